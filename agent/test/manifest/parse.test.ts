import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { canonicalJson, DEFAULT_LIMITS, formatIssues, HEALTHCHECK_DEFAULTS, parseAppFile, parseAppObject } from '../../src/manifest/index.js';
import type { AppManifest } from '../../src/manifest/index.js';
import { baseDoc, withHearth, withWeb } from './fixtures.js';

const examplePath = fileURLToPath(new URL('../../../examples/apps/hello/compose.yaml', import.meta.url));

function manifestOf(doc: unknown): AppManifest {
  const result = typeof doc === 'string' ? parseAppFile(doc) : parseAppObject(doc);
  if (!result.ok) throw new Error(`expected a valid manifest, got:\n${formatIssues(result.issues)}`);
  return result.manifest;
}

t.test('the hello example parses into the expected model', async (t) => {
  const manifest = manifestOf(readFileSync(examplePath, 'utf8'));
  t.equal(manifest.id, 'hello');
  t.equal(manifest.version, '1.0.0');
  t.same(manifest.routes, [{ subdomain: 'hello', service: 'web', port: 80 }]);
  t.same(manifest.volumes, ['www']);
  const web = manifest.services.web;
  t.ok(web);
  t.equal(web?.image, 'localhost/hearth/busybox:latest');
  t.same(web?.volumes, [{ kind: 'volume', source: 'www', target: '/www', readOnly: false }]);
  t.same(web?.healthcheck, { test: ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1/'], intervalMs: 5000, timeoutMs: 2000, retries: 3, startPeriodMs: 10_000, startIntervalMs: 250 });
  t.same(web?.limits, { memoryBytes: 32 * 1024 * 1024, pids: 64 });
  t.same(web?.expose, [80], 'route ports are added to expose');
  t.equal(web?.command?.[0], 'sh');
});

t.test('defaults are filled in', async (t) => {
  const manifest = manifestOf(withWeb({ healthcheck: { test: 'wget -q -O- http://127.0.0.1/' } }));
  const web = manifest.services.web;
  t.same(manifest.permissions, { lan: false, devices: [], capabilities: [] });
  t.same(web?.limits, { memoryBytes: 256 * 1024 * 1024, pids: 256 });
  t.same(web?.limits, DEFAULT_LIMITS);
  t.equal(web?.restart, 'unless-stopped');
  t.same(web?.healthcheck, { test: ['CMD-SHELL', 'wget -q -O- http://127.0.0.1/'], ...HEALTHCHECK_DEFAULTS });
  t.same(HEALTHCHECK_DEFAULTS, { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0, startIntervalMs: 5000 });
  t.same(web?.environment, {});
  t.same(web?.dependsOn, {});
  t.notOk('entrypoint' in (web ?? {}), 'absent optional fields stay absent');
  t.notOk('cpus' in (web?.limits ?? {}), 'no CPU limit by default');
  t.same(manifest.volumes, []);
});

t.test('no health check when disabled or NONE', async (t) => {
  t.notOk(manifestOf(withWeb({ healthcheck: { test: ['CMD', 'true'], disable: true } })).services.web?.healthcheck);
  t.notOk(manifestOf(withWeb({ healthcheck: { test: ['NONE'] } })).services.web?.healthcheck);
});

t.test('same meaning gives an identical model and hash', async (t) => {
  const pairs: [string, unknown, unknown][] = [
    ['environment list vs map', withWeb({ environment: ['B=2', 'A=1', 'C=true'] }), withWeb({ environment: { A: 1, C: true, B: '2' } })],
    ['command string vs list', withWeb({ command: `sh -c 'echo "hi there"; sleep 1'` }), withWeb({ command: ['sh', '-c', 'echo "hi there"; sleep 1'] })],
    ['entrypoint string vs list', withWeb({ entrypoint: '/bin/sh -c' }), withWeb({ entrypoint: ['/bin/sh', '-c'] })],
    ['depends_on list vs map', {
      ...withWeb({ depends_on: ['db'] }),
      services: { web: { image: 'busybox', depends_on: ['db'] }, db: { image: 'busybox' } },
    }, {
      ...withWeb({}),
      services: { db: { image: 'busybox:latest' }, web: { depends_on: { db: { condition: 'service_started' } }, image: 'busybox:latest' } },
    }],
    ['mem_limit vs deploy memory, sizes in any case', withWeb({ mem_limit: '512M' }), withWeb({ deploy: { resources: { limits: { memory: '0.5g' } } } })],
    ['pids_limit/cpus aliases vs deploy', withWeb({ pids_limit: 100, cpus: 0.5 }), withWeb({ deploy: { resources: { limits: { pids: 100, cpus: '0.5' } } } })],
    ['short vs long volume syntax', withWeb({ volumes: ['data:/data:ro', './conf/:/etc/app/'] }, { volumes: { data: null } }),
      withWeb({ volumes: [{ type: 'volume', source: 'data', target: '/data', read_only: true }, { type: 'bind', source: 'conf', target: '/etc/app' }] }, { volumes: { data: {} } })],
    ['durations in any unit', withWeb({ healthcheck: { test: ['CMD', 'true'], interval: '1m30s', timeout: '1500ms' } }),
      withWeb({ healthcheck: { timeout: '1.5s', test: ['CMD', 'true'], interval: '90s' } })],
    ['capabilities and grants in any order and spelling', withWeb({ cap_add: ['CAP_CHOWN', 'net_bind_service'] }, { 'x-hearth': { ...(baseDoc()['x-hearth'] as object), permissions: { capabilities: ['NET_BIND_SERVICE', 'chown'] } } }),
      withWeb({ cap_add: ['NET_BIND_SERVICE', 'CHOWN', 'CHOWN'] }, { 'x-hearth': { ...(baseDoc()['x-hearth'] as object), permissions: { capabilities: ['CHOWN', 'NET_BIND_SERVICE'] } } })],
    ['"@" route vs the app id', withHearth({ routes: { '@': 'web:80' } }), withHearth({ routes: { demo: 'web:80' } })],
    ['expose strings vs numbers vs route port', withWeb({ expose: ['8080/tcp', '80'] }), withWeb({ expose: [8080] })],
    ['implicit :latest tag', withWeb({ image: 'docker.io/library/nginx' }), withWeb({ image: 'docker.io/library/nginx:latest' })],
    ['$$ escape vs literal', withWeb({ environment: { PRICE: '$$5' } }), withWeb({ environment: { PRICE: '$5' } })],
  ];
  for (const [label, a, b] of pairs) {
    const left = manifestOf(a);
    const right = manifestOf(b);
    t.same(left, right, label);
    t.equal(canonicalJson(left), canonicalJson(right), `${label}: canonical JSON`);
  }
});

t.test('key order in the YAML does not change the model', async (t) => {
  const a = `x-hearth: {id: demo, name: Demo, version: 1.0.0, routes: {demo: "web:80"}}
services:
  web:
    image: busybox
    environment: {A: "1", B: "2"}
    restart: always
`;
  const b = `services:
  web:
    restart: always
    environment: {B: "2", A: "1"}
    image: busybox:latest
x-hearth: {routes: {demo: "web:80"}, version: 1.0.0, name: Demo, id: demo}
`;
  t.equal(canonicalJson(manifestOf(a)), canonicalJson(manifestOf(b)));
});

t.test('a different meaning gives a different hash', async (t) => {
  const base = canonicalJson(manifestOf(baseDoc()));
  t.not(canonicalJson(manifestOf(withWeb({ environment: { A: '1' } }))), base);
  t.not(canonicalJson(manifestOf(withWeb({ command: ['httpd', '-f', '-p', '81'] }))), base);
  t.not(canonicalJson(manifestOf(withWeb({ volumes: ['./a:/a', './b:/b'] }))), canonicalJson(manifestOf(withWeb({ volumes: ['./b:/b', './a:/a'] }))), 'mount order is kept');
});

t.test('YAML anchors, merge keys and x-* extensions are supported', async (t) => {
  const text = `x-common: &common
  restart: always
  environment: {TZ: UTC}
x-hearth: {id: demo, name: Demo, version: 1.0.0}
services:
  web:
    <<: *common
    image: busybox
    x-note: ignored by compose and by Hearth
  worker:
    <<: *common
    image: busybox
    command: sleep 1000
`;
  const manifest = manifestOf(text);
  t.equal(manifest.services.web?.restart, 'always');
  t.same(manifest.services.worker?.environment, { TZ: 'UTC' });
  t.same(manifest.routes, []);
});

t.test('formatIssues prints one line per issue', async (t) => {
  t.equal(formatIssues([{ path: 'services.web.ports', message: 'no' }, { path: '', message: 'bad file' }]), 'services.web.ports: no\n(file): bad file');
});

t.test('canonicalJson sorts keys at every level, keeps arrays, refuses what JSON would mangle', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, u: undefined }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  t.throws(() => canonicalJson({ a: NaN }), /non-finite number at \$\.a/);
  t.throws(() => canonicalJson([undefined]), /undefined array element/);
  t.throws(() => canonicalJson({ a: new Date(0) }), /plain objects/);
  t.throws(() => canonicalJson({ a: () => 1 }), /cannot serialise a function/);
});

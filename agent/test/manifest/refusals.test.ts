// Every refused feature and every kind of bad input, each asserting the exact field path and the reason.
import t from 'tap';
import { formatIssues, parseAppFile, parseAppObject } from '../../src/manifest/index.js';
import { baseDoc, issuesFor, issuesOf, withHearth, withWeb, type Doc } from './fixtures.js';

const granted = (permissions: Doc): Doc => ({ 'x-hearth': { ...(baseDoc()['x-hearth'] as Doc), permissions } });
const withDb = (db: Doc, web: Doc = {}): Doc => ({ ...baseDoc(), services: { web: { image: 'busybox', ...web }, db: { image: 'busybox', ...db } } });

const cases: [label: string, doc: unknown, path: string, reason: RegExp][] = [
  ['privileged', withWeb({ privileged: true }), 'services.web.privileged', /privileged containers are refused/],
  ['network_mode: host', withWeb({ network_mode: 'host' }), 'services.web.network_mode', /network_mode is refused.*own isolated network/],
  ['network_mode: service', withWeb({ network_mode: 'service:db' }), 'services.web.network_mode', /network_mode is refused/],
  ['pid: host', withWeb({ pid: 'host' }), 'services.web.pid', /pid namespaces are refused/],
  ['ipc: host', withWeb({ ipc: 'host' }), 'services.web.ipc', /ipc namespaces are refused/],
  ['userns_mode', withWeb({ userns_mode: 'host' }), 'services.web.userns_mode', /userns_mode is refused/],
  ['cap_add not granted', withWeb({ cap_add: ['NET_ADMIN'] }), 'services.web.cap_add[0]', /NET_ADMIN is not granted: add it to x-hearth.permissions.capabilities/],
  ['cap_add ALL even if "granted"', withWeb({ cap_add: ['ALL'] }), 'services.web.cap_add[0]', /ALL is refused/],
  ['cap_add SYS_ADMIN', withWeb({ cap_add: ['CAP_SYS_ADMIN'] }), 'services.web.cap_add[0]', /SYS_ADMIN is refused/],
  ['SYS_ADMIN in permissions', withHearth({ permissions: { capabilities: ['sys_admin'] } }), 'x-hearth.permissions.capabilities[0]', /SYS_ADMIN can never be granted/],
  ['device not granted', withWeb({ devices: ['/dev/ttyUSB0'] }), 'services.web.devices[0]', /\/dev\/ttyUSB0 is not granted: add it to x-hearth.permissions.devices/],
  ['device renamed', withWeb({ devices: ['/dev/ttyUSB0:/dev/ttyS0'] }, granted({ devices: ['/dev/ttyUSB0'] })), 'services.web.devices[0]', /renaming and permission suffixes are not supported/],
  ['bind mount of an absolute path', withWeb({ volumes: ['/etc:/host-etc:ro'] }), 'services.web.volumes[0]', /absolute host paths \(\/etc\) are refused/],
  ['bind mount escaping with ..', withWeb({ volumes: ['./data/../../other:/x'] }), 'services.web.volumes[0]', /escapes the app folder/],
  ['long bind escaping with ..', withWeb({ volumes: [{ type: 'bind', source: '../x', target: '/x' }] }), 'services.web.volumes[0].source', /escapes the app folder/],
  ['docker socket', withWeb({ volumes: ['/var/run/docker.sock:/var/run/docker.sock'] }), 'services.web.volumes[0]', /container engine socket.*root on the device/],
  ['podman socket (long syntax)', withWeb({ volumes: [{ type: 'bind', source: '/run/podman/podman.sock', target: '/sock' }] }), 'services.web.volumes[0].source', /container engine socket/],
  ['home directory bind', withWeb({ volumes: ['~/x:/x'] }), 'services.web.volumes[0]', /home-directory paths/],
  ['anonymous volume', withWeb({ volumes: ['/data'] }), 'services.web.volumes[0]', /anonymous volumes .* not supported/],
  ['undeclared named volume', withWeb({ volumes: ['data:/data'] }), 'services.web.volumes[0]', /volume "data" is not declared under the top-level volumes/],
  ['relative container path', withWeb({ volumes: ['./a:data'] }), 'services.web.volumes[0]', /container path "data" must be absolute/],
  ['unsupported mount mode', withWeb({ volumes: ['./a:/a:z'] }), 'services.web.volumes[0]', /mount mode "z" is not supported/],
  ['tmpfs mount type', withWeb({ volumes: [{ type: 'tmpfs', target: '/tmp' }] }), 'services.web.volumes[0].type', /mount type "tmpfs" is not supported/],
  ['ports', withWeb({ ports: ['8080:80'] }), 'services.web.ports', /apps publish no host ports; the ingress routes to them/],
  ['build', withWeb({ build: '.' }), 'services.web.build', /build is not supported: apps run published images only/],
  ['security_opt', withWeb({ security_opt: ['seccomp=unconfined'] }), 'services.web.security_opt', /security_opt is refused/],
  ['sysctls', withWeb({ sysctls: { 'net.ipv4.ip_forward': 1 } }), 'services.web.sysctls', /sysctls are refused/],
  ['extra_hosts', withWeb({ extra_hosts: ['nas:192.168.1.2'] }), 'services.web.extra_hosts', /extra_hosts is not supported/],
  ['volumes_from', withWeb({ volumes_from: ['db'] }), 'services.web.volumes_from', /volumes_from is refused/],
  ['top-level networks', { ...baseDoc(), networks: { front: {} } }, 'networks', /top-level networks are not supported: each app gets its own isolated network/],
  ['service networks', withWeb({ networks: ['front'] }), 'services.web.networks', /service networks are not supported/],
  ['external volume', withWeb({ volumes: ['data:/data'] }, { volumes: { data: { external: true } } }), 'volumes.data.external', /external volumes are refused/],
  ['volume driver_opts', withWeb({}, { volumes: { data: { driver_opts: { type: 'none', device: '/etc', o: 'bind' } } } }), 'volumes.data.driver_opts', /driver_opts is refused/],
  ['top-level configs', { ...baseDoc(), configs: { c: { file: './c' } } }, 'configs', /configs are not supported yet/],
  ['top-level secrets', { ...baseDoc(), secrets: { s: { file: './s' } } }, 'secrets', /secrets are not supported yet/],
  ['service secrets', withWeb({ secrets: ['s'] }), 'services.web.secrets', /secrets are not supported yet/],
  ['unknown top-level key', { ...baseDoc(), servises: {} }, 'servises', /unknown key "servises"/],
  ['unknown service key', withWeb({ imagee: 'x' }), 'services.web.imagee', /unknown key "imagee"/],
  ['unknown x-hearth key', withHearth({ colour: 'red' }), 'x-hearth.colour', /unknown key "colour"/],
  ['unknown healthcheck key', withWeb({ healthcheck: { test: ['CMD', 'true'], intervall: '5s' } }), 'services.web.healthcheck.intervall', /unknown key "intervall"/],
  ['route to a missing service', withHearth({ routes: { blog: 'wordpress:80' } }), 'x-hearth.routes.blog', /service "wordpress", which is not defined/],
  ['route port out of range', withHearth({ routes: { demo: 'web:70000' } }), 'x-hearth.routes.demo', /port 70000 is out of range/],
  ['route port zero', withHearth({ routes: { demo: 'web:0' } }), 'x-hearth.routes.demo', /port 0 is out of range/],
  ['route without port', withHearth({ routes: { demo: 'web' } }), 'x-hearth.routes.demo', /must be "service:port"/],
  ['route subdomain not a DNS label', withHearth({ routes: { My_Blog: 'web:80' } }), 'x-hearth.routes.My_Blog', /is not a DNS label/],
  ['"@" and the id both routed', withHearth({ routes: { '@': 'web:80', demo: 'web:81' } }), 'x-hearth.routes.demo', /both name the subdomain "demo"/],
  ['depends_on a missing service', withWeb({ depends_on: ['db'] }), 'services.web.depends_on[0]', /depends on service "db", which is not defined/],
  ['depends_on itself', withWeb({ depends_on: { web: { condition: 'service_started' } } }), 'services.web.depends_on.web', /cannot depend on itself/],
  ['dependency cycle', withDb({ depends_on: ['web'] }, { depends_on: ['db'] }), 'services.db.depends_on', /dependency cycle: db -> web -> db/],
  ['bad depends_on condition', withDb({}, { depends_on: { db: { condition: 'ready' } } }), 'services.web.depends_on.db.condition', /"ready" is not a condition/],
  ['service_healthy without a healthcheck', withDb({}, { depends_on: { db: { condition: 'service_healthy' } } }), 'services.web.depends_on.db', /db has no healthcheck/],
  ['bad id', withHearth({ id: 'My App' }), 'x-hearth.id', /"My App" is not a valid app id/],
  ['id too long', withHearth({ id: 'a'.repeat(32) }), 'x-hearth.id', /not a valid app id/],
  ['project name differs from id', { ...baseDoc(), name: 'other' }, 'name', /must equal x-hearth.id "demo"/],
  ['bad semver', withHearth({ version: '1.2' }), 'x-hearth.version', /"1.2" is not a semantic version/],
  ['semver with a v prefix', withHearth({ version: 'v1.0.0' }), 'x-hearth.version', /"v1.0.0" is not a semantic version/],
  ['version as a YAML number', withHearth({ version: 1.2 }), 'x-hearth.version', /must be a string, got 1.2/],
  ['missing x-hearth', { services: baseDoc().services }, 'x-hearth', /is required/],
  ['missing services', { 'x-hearth': baseDoc()['x-hearth'] }, 'services', /is required/],
  ['empty services', withHearth({ routes: {} }, { services: {} }), 'services', /must define at least one service/],
  ['bad service name', { ...withHearth({ routes: {} }), services: { 'Web.1': { image: 'busybox' } } }, 'services["Web.1"]', /not a valid service name/],
  ['invalid image reference', withWeb({ image: 'Busybox:latest' }), 'services.web.image', /not a valid image reference \(repository names must be lower case\)/],
  ['image with spaces', withWeb({ image: 'busy box' }), 'services.web.image', /not a valid image reference/],
  ['missing image', withWeb({ image: undefined }), 'services.web.image', /is required/],
  ['interpolation in environment', withWeb({ environment: { DB_PASSWORD: '${DB_PASSWORD}' } }), 'services.web.environment.DB_PASSWORD', /variable interpolation \("\$\{DB_PASSWORD\}"\) is not supported/],
  ['bare $VAR interpolation in command', withWeb({ command: 'echo $HOME' }), 'services.web.command', /variable interpolation \("\$HOME"\)/],
  ['interpolation in x-hearth', withHearth({ name: '${NAME:-App}' }), 'x-hearth.name', /variable interpolation/],
  ['environment value from the host', withWeb({ environment: ['TOKEN'] }), 'services.web.environment[0]', /passing through the host's TOKEN is not supported/],
  ['environment null value', withWeb({ environment: { TOKEN: null } }), 'services.web.environment.TOKEN', /has no value/],
  ['environment duplicate', withWeb({ environment: ['A=1', 'A=2'] }), 'services.web.environment[1]', /A is set twice/],
  ['command with an open quote', withWeb({ command: "sh -c 'echo" }), 'services.web.command', /unterminated single quote/],
  ['command of the wrong type', withWeb({ command: 42 }), 'services.web.command', /must be a string or a list of strings, got 42/],
  ['command list with a number', withWeb({ command: ['sleep', 5] }), 'services.web.command[1]', /must be a string, got 5/],
  ['bad duration', withWeb({ healthcheck: { test: ['CMD', 'true'], interval: '5 seconds' } }), 'services.web.healthcheck.interval', /"5 seconds" is not a duration/],
  ['zero interval', withWeb({ healthcheck: { test: ['CMD', 'true'], interval: '0s' } }), 'services.web.healthcheck.interval', /must be at least 1ms/],
  ['healthcheck without test', withWeb({ healthcheck: { interval: '5s' } }), 'services.web.healthcheck.test', /is required: the agent runs health checks itself/],
  ['healthcheck test kind', withWeb({ healthcheck: { test: ['RUN', 'true'] } }), 'services.web.healthcheck.test', /list starting with CMD, CMD-SHELL or NONE/],
  ['bad memory size', withWeb({ mem_limit: 'lots' }), 'services.web.mem_limit', /"lots" is not a size/],
  ['memory too small', withWeb({ deploy: { resources: { limits: { memory: '1m' } } } }), 'services.web.deploy.resources.limits.memory', /at least 6m/],
  ['memory alias conflicts', withWeb({ mem_limit: '128m', deploy: { resources: { limits: { memory: '256m' } } } }), 'services.web.mem_limit', /conflicts with deploy.resources.limits.memory/],
  ['bad cpus', withWeb({ deploy: { resources: { limits: { cpus: '-1' } } } }), 'services.web.deploy.resources.limits.cpus', /positive number of CPUs/],
  ['pids unlimited', withWeb({ pids_limit: -1 }), 'services.web.pids_limit', /unlimited is not allowed/],
  ['deploy replicas', withWeb({ deploy: { replicas: 2 } }), 'services.web.deploy.replicas', /unknown key "replicas"/],
  ['restart with a retry count', withWeb({ restart: 'on-failure:3' }), 'services.web.restart', /retry count is not supported/],
  ['bad restart policy', withWeb({ restart: 'sometimes' }), 'services.web.restart', /"sometimes" is not a restart policy/],
  ['expose range', withWeb({ expose: ['8000-8010'] }), 'services.web.expose[0]', /no ranges/],
  ['bad icon scheme', withHearth({ icon: 'http://example.com/i.png' }), 'x-hearth.icon', /https:\/\/ URL/],
  ['icon escaping the app folder', withHearth({ icon: '../icon.png' }), 'x-hearth.icon', /stay inside the app folder/],
  ['empty display name', withHearth({ name: '  ' }), 'x-hearth.name', /must not be empty/],
  ['permission device outside /dev', withHearth({ permissions: { devices: ['/etc/shadow'] } }), 'x-hearth.permissions.devices[0]', /device path under \/dev/],
  ['container_name', withWeb({ container_name: 'web' }), 'services.web.container_name', /the agent names containers/],
  ['env_file', withWeb({ env_file: '.env' }), 'services.web.env_file', /env_file is not supported/],
];

t.test('each refused feature is reported at its path with its reason', async (t) => {
  for (const [label, doc, path, reason] of cases) {
    const issues = issuesFor(doc);
    const match = issues.find((issue) => issue.path === path && reason.test(issue.message));
    t.ok(match, `${label}: ${path} ${reason}`, { found: issues });
  }
});

t.test('a refused key on a valid service does not hide other problems in it', async (t) => {
  const issues = issuesFor(withWeb({ privileged: true, environment: ['A'], image: 'UPPER' }));
  t.same(issues.map((issue) => issue.path).sort(), ['services.web.environment[0]', 'services.web.image', 'services.web.privileged']);
});

t.test('x-* extension keys are ignored at the top level and in services, but not in x-hearth', async (t) => {
  t.same(issuesFor(withWeb({ 'x-traefik': { enable: true } }, { 'x-defaults': { restart: 'always', weird: '${NOT_CHECKED}' } })), []);
  t.match(issuesFor(withHearth({ 'x-extra': 1 })), [{ path: 'x-hearth.x-extra', message: /unknown key/ }]);
});

t.test('YAML syntax errors name the line', async (t) => {
  const text = 'x-hearth:\n  id: demo\nservices:\n  web:\n    image: [busybox\n    command: sh\n';
  const issues = issuesOf(parseAppFile(text));
  t.ok(issues.length >= 1);
  t.equal(issues[0]?.path, '');
  t.match(issues[0]?.message, /^YAML syntax error at line \d+, column \d+: /);
  const duplicate = issuesOf(parseAppFile('x-hearth: {id: a}\nservices: {}\nservices: {}\n'));
  t.match(duplicate, [{ path: '', message: /YAML syntax error at line 3, column 1: Map keys must be unique/ }]);
  const tab = issuesOf(parseAppFile('services:\n\tweb: {}\n'));
  t.match(tab, [{ path: '', message: /YAML syntax error at line 2/ }]);
});

t.test('a file that is not a mapping', async (t) => {
  t.match(issuesOf(parseAppFile('- a\n- b\n')), [{ path: '', message: /must be a mapping .* but it is a list/ }]);
  t.match(issuesOf(parseAppFile('')), [{ path: '', message: /but it is an empty document/ }]);
  t.match(issuesOf(parseAppFile('just text')), [{ path: '', message: /but it is a string/ }]);
});

t.test('alias bombs and oversized files are refused', async (t) => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
  t.match(issuesOf(parseAppFile(bomb)), [{ path: '', message: /YAML error: .*alias/i }]);
  t.match(issuesOf(parseAppFile(`# ${'x'.repeat(300 * 1024)}\n`)), [{ path: '', message: /larger than/ }]);
});

t.test('a file with several problems reports all of them in one pass', async (t) => {
  const text = `name: wrong
x-hearth:
  id: Bad_Id
  name: Broken
  version: one
  routes:
    blog: wordpress:80
services:
  web:
    image: busybox
    privileged: true
    ports: ["80:80"]
    environment:
      SECRET: \${SECRET}
    volumes: ["/:/host"]
    depends_on: [db]
  db:
    image: postgres:16
    depends_on: [web]
    build: .
networks:
  default: {}
`;
  const issues = issuesOf(parseAppFile(text));
  const paths = issues.map((issue) => issue.path);
  for (const expected of ['x-hearth.id', 'x-hearth.version', 'x-hearth.routes.blog', 'services.web.privileged', 'services.web.ports',
    'services.web.environment.SECRET', 'services.web.volumes[0]', 'services.db.build', 'networks', 'services.db.depends_on']) {
    t.ok(paths.includes(expected), `reports ${expected}`, { found: issues });
  }
  t.notOk(paths.includes('name'), 'an invalid id is reported once, not again as a name mismatch');
  t.equal(new Set(issues.map((issue) => `${issue.path} ${issue.message}`)).size, issues.length, 'no duplicates');
  const lineOf = (path: string): number | undefined => issues.find((issue) => issue.path === path)?.line;
  t.equal(lineOf('x-hearth.id'), 3);
  t.equal(lineOf('x-hearth.routes.blog'), 7);
  t.equal(lineOf('services.web.privileged'), 11);
  t.equal(lineOf('services.web.environment.SECRET'), 14);
  t.equal(lineOf('services.web.volumes[0]'), 15);
  t.equal(lineOf('services.db.build'), 20);
  t.equal(lineOf('networks'), 21);
  t.same(issues.map((issue) => issue.line), issues.map((issue) => issue.line).sort((a, b) => (a ?? 0) - (b ?? 0)), 'in file order');
  t.match(formatIssues(issues), /^x-hearth\.id: "Bad_Id" is not a valid app id.* \(line 3\)$/m);
});

t.test('lines point at the nearest existing node for missing keys and merged keys', async (t) => {
  const text = `x-base: &base
  privileged: true
x-hearth:
  id: demo
  version: 1.0.0
services:
  web:
    <<: *base
    image: busybox
`;
  const issues = issuesOf(parseAppFile(text));
  t.match(issues, [{ path: 'x-hearth.name', message: 'is required', line: 3 }, { path: 'services.web.privileged', message: /refused/, line: 7 }]);
  t.same(issuesOf(parseAppObject({})).map((issue) => issue.line), [undefined, undefined], 'no lines without source text');
});

t.test('keys that collide with Object.prototype are plain names, and __proto__ is refused', async (t) => {
  const text = `x-hearth: {id: demo, name: Demo, version: 1.0.0, routes: {demo: "toString:80"}}
services:
  web: {image: busybox, depends_on: {constructor: {condition: service_healthy}}, environment: {__proto__: x}}
  __proto__: {image: busybox}
`;
  const issues = issuesOf(parseAppFile(text));
  const expected: [string, RegExp][] = [
    ['x-hearth.routes.demo', /service "toString", which is not defined/],
    ['services.web.depends_on.constructor', /service "constructor", which is not defined/],
    ['services.web.environment.__proto__', /"__proto__" is not allowed/],
    ['services.__proto__', /"__proto__" is not allowed/],
  ];
  for (const [path, reason] of expected) t.ok(issues.some((issue) => issue.path === path && reason.test(issue.message)), path, { found: issues });
  t.equal(issues.length, expected.length);
  const fromJson = issuesFor(JSON.parse('{"__proto__": {"polluted": true}, "x-hearth": {"id": "demo", "name": "D", "version": "1.0.0"}, "services": {"web": {"image": "busybox"}}}'));
  t.match(fromJson, [{ path: '__proto__', message: /not allowed/ }]);
  t.equal(({} as Record<string, unknown>).polluted, undefined);
});

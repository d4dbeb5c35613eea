// The test-support builder must produce what the parser produces for the same app, or planner tests built on it
// would test manifests the agent never sees.
import t from 'tap';
import { parseAppFile } from '../../src/manifest/parse.js';
import { TEST_IMAGE, healthcheck, service, webApp } from '../../../test-support/manifests.js';

function parse(text: string) {
  const r = parseAppFile(text);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.manifest;
}

t.test('webApp() equals the parsed compose file of the same app', async (t) => {
  const parsed = parse(`
x-hearth:
  id: blog
  name: Blog
  version: 2.0.0
  routes:
    blog: web:80
services:
  web:
    image: ${TEST_IMAGE}
    command: ["httpd", "-f", "-p", "80"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/"]
`);
  t.same(webApp({ id: 'blog', version: '2.0.0' }), parsed);
});

t.test('webApp() with extra services, no health check, volumes, permissions equals the parsed file', async (t) => {
  const parsed = parse(`
x-hearth:
  id: wiki
  name: Wiki
  version: 1.0.0
  routes:
    wiki: web:80
  permissions:
    capabilities: [CHOWN]
services:
  web:
    image: r.example/wiki:1
    command: ["httpd", "-f", "-p", "80"]
    depends_on:
      db:
        condition: service_started
  db:
    image: ${TEST_IMAGE}
    restart: always
    cap_add: [CHOWN]
    volumes:
      - data:/var/lib/db
volumes:
  data: {}
`);
  const built = webApp({
    id: 'wiki',
    image: 'r.example/wiki:1',
    healthcheck: null,
    volumes: ['data'],
    permissions: { capabilities: ['CHOWN'] },
    services: {
      web: { dependsOn: { db: 'service_started' } },
      db: { restart: 'always', capAdd: ['CHOWN'], volumes: [{ kind: 'volume', source: 'data', target: '/var/lib/db', readOnly: false }] },
    },
  });
  t.same(built, parsed);
});

t.test('service() and healthcheck() take overrides and return fresh objects', async (t) => {
  const a = service();
  a.limits.pids = 1;
  t.equal(service().limits.pids, 256, 'defaults not shared between calls');
  t.equal(healthcheck({ retries: 9 }).retries, 9);
  t.equal(service({ image: 'x' }).image, 'x');
});

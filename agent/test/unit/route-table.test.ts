// computeRoutes: which container each host name reaches, during steady state and across an update.
import t from 'tap';
import { computeRoutes, hostFor } from '../../src/ingress/route-table.js';
import { webApp } from '../../../test-support/manifests.js';
import { containerOf, paths, record, targetOf } from './planner-fixtures.js';

const DOMAIN = 'abc123.hearth.example';
const v1 = webApp({ id: 'blog', version: '1.0.0', image: 'r.example/blog:1' });
const v2 = webApp({ id: 'blog', version: '2.0.0', image: 'r.example/blog:2' });

t.test('hostFor: subdomain under the device domain, `@` is the app id, lower-cased', async (t) => {
  t.equal(hostFor('www', 'blog', DOMAIN), `www.${DOMAIN}`);
  t.equal(hostFor('@', 'blog', DOMAIN), `blog.${DOMAIN}`);
  t.equal(hostFor('WWW', 'blog', 'Dev.Example'), 'www.dev.example');
});

t.test('steady state: the healthy container of the target config, with the route port', async (t) => {
  const c = containerOf(v1, 'web', { ip: '10.89.0.7' });
  const table = computeRoutes(targetOf(record(v1)), [c], DOMAIN, paths);
  t.same([...table.entries()], [[`blog.${DOMAIN}`, { app: 'blog', service: 'web', containerId: c.id, ip: '10.89.0.7', port: 80 }]]);
});

t.test('update: prefers the target hash healthy container, falls back to the old healthy one', async (t) => {
  const target = targetOf(record(v2, { previous: v1, update: { from: '1.0.0', to: '2.0.0', startedAt: 0 } }));
  const old = containerOf(v1, 'web');
  const neu = containerOf(v2, 'web');
  t.equal(computeRoutes(target, [old, neu], DOMAIN, paths).get(`blog.${DOMAIN}`)?.containerId, neu.id, 'both healthy: the new one');
  t.equal(computeRoutes(target, [neu, old], DOMAIN, paths).get(`blog.${DOMAIN}`)?.containerId, neu.id, 'order does not matter');
  const starting = { ...neu, health: 'starting' as const };
  t.equal(computeRoutes(target, [starting, old], DOMAIN, paths).get(`blog.${DOMAIN}`)?.containerId, old.id, 'new not yet healthy: the old one');
  const unhealthy = { ...neu, health: 'unhealthy' as const };
  t.equal(computeRoutes(target, [unhealthy, old], DOMAIN, paths).get(`blog.${DOMAIN}`)?.containerId, old.id, 'new unhealthy: the old one');
});

t.test('no route to unhealthy, starting, stopped or address-less containers', async (t) => {
  const cases = [
    containerOf(v1, 'web', { health: 'unhealthy' }),
    containerOf(v1, 'web', { health: 'starting' }),
    containerOf(v1, 'web', { state: 'exited', exitCode: 0, health: 'healthy' }),
    containerOf(v1, 'web', { state: 'paused' }),
    containerOf(v1, 'web', { ip: undefined }),
    containerOf(v1, 'web', { ip: '' }),
  ];
  for (const c of cases) t.equal(computeRoutes(targetOf(record(v1)), [c], DOMAIN, paths).size, 0, JSON.stringify({ state: c.state, health: c.health, ip: c.ip }));
});

t.test('a stopped app has no routes even if a container still runs', async (t) => {
  t.equal(computeRoutes(targetOf(record(v1, { desired: 'stopped' })), [containerOf(v1, 'web')], DOMAIN, paths).size, 0);
});

t.test('containers of other apps or other services never serve a route', async (t) => {
  const other = webApp({ id: 'wiki', services: { admin: {} } });
  const m = webApp({ id: 'blog', services: { admin: {} } });
  const table = computeRoutes(targetOf(record(m)), [containerOf(other, 'web'), containerOf(m, 'admin')], DOMAIN, paths);
  t.equal(table.size, 0);
});

t.test('several routes, `@` maps to the app id, a route to a missing service is skipped', async (t) => {
  const m = webApp({
    id: 'shop',
    services: { admin: { expose: [8080] } },
    routes: [
      { subdomain: '@', service: 'web', port: 80 },
      { subdomain: 'admin', service: 'admin', port: 8080 },
      { subdomain: 'ghost', service: 'nope', port: 1 },
    ],
  });
  const web = containerOf(m, 'web', { ip: '10.89.1.2' });
  const admin = containerOf(m, 'admin', { ip: '10.89.1.3' });
  const table = computeRoutes(targetOf(record(m)), [web, admin], DOMAIN, paths);
  t.same(Object.fromEntries(table), {
    [`shop.${DOMAIN}`]: { app: 'shop', service: 'web', containerId: web.id, ip: '10.89.1.2', port: 80 },
    [`admin.${DOMAIN}`]: { app: 'shop', service: 'admin', containerId: admin.id, ip: '10.89.1.3', port: 8080 },
  });
});

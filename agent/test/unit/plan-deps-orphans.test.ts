// plan(): depends_on gating, service order, and clean-up of what the target no longer names (other apps'
// containers and networks, services dropped from a manifest).
import t from 'tap';
import { serviceOrder } from '../../src/planner/service-order.js';
import { healthcheck, webApp } from '../../../test-support/manifests.js';
import { containerOf, converged, imagesOf, kinds, planFor, record, targetOf } from './planner-fixtures.js';

const app = webApp({
  id: 'wiki',
  services: {
    web: { dependsOn: { db: 'service_healthy' } },
    db: { image: 'r.example/db:1', healthcheck: healthcheck({ test: ['CMD-SHELL', 'pg_isready'] }) },
  },
});
const base = { networks: ['wiki'], images: imagesOf(app) };

t.test('service order: dependencies first, ties by name; a cycle is an error naming the app', async (t) => {
  t.same(serviceOrder(app), ['db', 'web']);
  const chain = webApp({ id: 'c', services: { a: { dependsOn: { web: 'service_started' } }, z: {}, b: { dependsOn: { z: 'service_started', a: 'service_started' } } } });
  t.same(serviceOrder(chain), ['web', 'a', 'z', 'b']);
  const cyclic = webApp({ id: 'loop', services: { a: { dependsOn: { b: 'service_started' } }, b: { dependsOn: { a: 'service_started' } } } });
  t.throws(() => serviceOrder(cyclic), /dependency cycle through a in app loop/);
});

t.test('nothing created yet: the dependency is created, the dependent waits for it', async (t) => {
  const p = planFor(targetOf(record(app)), { ...base, containers: [] });
  t.same(kinds(p.steps), ['createContainer']);
  t.match(p.steps[0], { service: 'db' });
  t.same(p.waits, [{ app: 'wiki', service: 'web', reason: 'waiting for db to be created' }]);
});

t.test('service_healthy: dependency starting → wait; healthy → create', async (t) => {
  const starting = planFor(targetOf(record(app)), { ...base, containers: [containerOf(app, 'db', { health: 'starting' })] });
  t.same(starting.steps, []);
  t.same(starting.waits, [
    { app: 'wiki', service: 'db', reason: 'waiting for the health check' },
    { app: 'wiki', service: 'web', reason: 'waiting for db to be healthy' },
  ]);
  const healthy = planFor(targetOf(record(app)), { ...base, containers: [containerOf(app, 'db')] });
  t.same(kinds(healthy.steps), ['createContainer']);
  t.match(healthy.steps[0], { service: 'web' });
  t.same(healthy.waits, []);
});

t.test('service_healthy: a dependency that is healthy but of an old config does not count', async (t) => {
  const oldDb = webApp({ id: 'wiki', services: { db: { image: 'r.example/db:0' } } });
  const p = planFor(targetOf(record(app)), { ...base, containers: [containerOf(oldDb, 'db')] });
  t.same(p.waits.find((w) => w.service === 'web')?.reason, 'waiting for db to be created');
});

t.test('service_started: running or exited satisfies it, created does not', async (t) => {
  const m = webApp({ id: 'wiki', services: { web: { dependsOn: { db: 'service_started' } }, db: { image: 'r.example/db:1' } } });
  const b = { networks: ['wiki'], images: imagesOf(m) };
  const created = planFor(targetOf(record(m)), { ...b, containers: [containerOf(m, 'db', { state: 'created', health: 'none' })] });
  t.same(created.waits.find((w) => w.service === 'web')?.reason, 'waiting for db to start');
  for (const state of ['running', 'exited'] as const) {
    const p = planFor(targetOf(record(m)), { ...b, containers: [containerOf(m, 'db', { state, health: 'starting', exitCode: 1 })] });
    t.ok(p.steps.some((s) => s.kind === 'createContainer' && s.service === 'web'), state);
  }
});

t.test('service_completed_successfully: only an exit 0 lets the dependent start', async (t) => {
  const m = webApp({ id: 'wiki', services: { web: { dependsOn: { migrate: 'service_completed_successfully' } }, migrate: { restart: 'no' } } });
  const b = { networks: ['wiki'], images: imagesOf(m) };
  const running = planFor(targetOf(record(m)), { ...b, containers: [containerOf(m, 'migrate', { health: 'starting' })] });
  t.same(running.waits.find((w) => w.service === 'web')?.reason, 'waiting for migrate to complete');
  const failed = planFor(targetOf(record(m)), { ...b, containers: [containerOf(m, 'migrate', { state: 'exited', exitCode: 1, health: 'none' })] });
  t.same(failed.waits.find((w) => w.service === 'web')?.reason, 'waiting for migrate to complete');
  const done = planFor(targetOf(record(m)), { ...b, containers: [containerOf(m, 'migrate', { state: 'exited', exitCode: 0, health: 'none' })] });
  t.same(done.steps, [{ ...done.steps[0], kind: 'createContainer', service: 'web' }]);
  t.same(done.waits, []);
});

t.test('orphan containers of an app no longer in the target are removed (drained); its network goes after', async (t) => {
  const gone = webApp({ id: 'gone', services: { db: {} } });
  const keep = webApp({ id: 'keep' });
  const cur = converged(keep);
  const orphans = [containerOf(gone, 'web'), containerOf(gone, 'db', { state: 'exited', exitCode: 0, health: 'none' })];
  const first = planFor(targetOf(record(keep)), { containers: [...cur.containers, ...orphans], networks: ['keep', 'gone'], images: cur.images });
  t.same(first.steps, orphans.map((c) => ({ kind: 'removeContainer', app: 'gone', service: c.service, containerId: c.id, drain: true })));
  t.notOk(first.steps.some((s) => s.kind === 'removeNetwork'), 'not while containers are still attached');
  const second = planFor(targetOf(record(keep)), { containers: cur.containers, networks: ['keep', 'gone'], images: cur.images });
  t.same(second.steps, [{ kind: 'removeNetwork', app: 'gone' }]);
  t.same(second.waits, []);
});

t.test('services removed from the manifest: removed once the rest is ready, not before', async (t) => {
  const m = webApp({ id: 'blog' });
  const worker = { ...containerOf(webApp({ id: 'blog', services: { worker: {} } }), 'worker') };
  const notReady = planFor(targetOf(record(m)), { containers: [containerOf(m, 'web', { health: 'starting' }), worker], networks: ['blog'], images: imagesOf(m) });
  t.same(notReady.steps, []);
  const ready = planFor(targetOf(record(m)), { containers: [containerOf(m, 'web'), worker], networks: ['blog'], images: imagesOf(m) });
  t.same(ready.steps, [{ kind: 'removeContainer', app: 'blog', service: 'worker', containerId: worker.id, drain: true }]);
});

t.test('an old container of a service whose new one is ready is removed outside updates too (config change)', async (t) => {
  const before = webApp({ id: 'blog', services: { web: { environment: { MODE: 'a' } } } });
  const after = webApp({ id: 'blog', services: { web: { environment: { MODE: 'b' } } } });
  const stale = containerOf(before, 'web');
  const p = planFor(targetOf(record(after)), { containers: [stale, containerOf(after, 'web')], networks: ['blog'], images: imagesOf(after) });
  t.same(p.steps, [{ kind: 'removeContainer', app: 'blog', service: 'web', containerId: stale.id, drain: true }]);
  const creating = planFor(targetOf(record(after)), { containers: [stale], networks: ['blog'], images: imagesOf(after) });
  t.same(kinds(creating.steps), ['createContainer'], 'the stale one stays until the new one is healthy');
});

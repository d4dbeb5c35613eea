// plan() during an update: snapshot first, the new container beside the old, the old removed only after the new
// one is healthy, and every way an update rolls back (health, crash, repeated failures, a resumed rollback).
import t from 'tap';
import { serviceContainer } from '../../src/engine/container-spec.js';
import type { AppManifest } from '../../src/manifest/types.js';
import type { ObservedContainer } from '../../src/planner/types.js';
import type { AppRecord } from '../../src/state/app-records.js';
import { webApp } from '../../../test-support/manifests.js';
import { NOW, containerOf, ctx, imagesOf, kinds, paths, planFor, record, targetOf } from './planner-fixtures.js';

const v1 = webApp({ id: 'blog', version: '1.0.0', image: 'r.example/blog:1' });
const v2 = webApp({ id: 'blog', version: '2.0.0', image: 'r.example/blog:2' });

function updating(over: Partial<NonNullable<AppRecord['update']>> = {}): AppRecord {
  return record(v2, { previous: v1, update: { from: '1.0.0', to: '2.0.0', startedAt: NOW - 5_000, ...over } });
}

function withOld(...extra: ObservedContainer[]) {
  return { containers: [containerOf(v1, 'web'), ...extra], networks: ['blog'], images: imagesOf(v1, v2) };
}

const old = containerOf(v1, 'web');

t.test('the versions differ in their container (precondition of every test here)', async (t) => {
  t.not(serviceContainer(v1, 'web', paths).hash, serviceContainer(v2, 'web', paths).hash);
});

t.test('update without a snapshot: only beginUpdate, even with the new image missing', async (t) => {
  const p = planFor(targetOf(updating()), { ...withOld(), images: imagesOf(v1) });
  t.same(p.steps, [{ kind: 'beginUpdate', app: 'blog', from: '1.0.0', to: '2.0.0' }]);
  t.same(p.waits, []);
});

t.test('update with a snapshot, new image missing: fetch it, old container untouched', async (t) => {
  const p = planFor(targetOf(updating({ snapshot: '/snap/1' })), { ...withOld(), images: imagesOf(v1) });
  t.same(p.steps, [{ kind: 'fetchImage', app: 'blog', image: 'r.example/blog:2' }]);
});

t.test('update with a snapshot: the new container is created beside the old one', async (t) => {
  const p = planFor(targetOf(updating({ snapshot: '/snap/1' })), withOld());
  const created = serviceContainer(v2, 'web', paths);
  t.same(p.steps, [{ kind: 'createContainer', app: 'blog', service: 'web', hash: created.hash, body: created.body }]);
  t.not(created.body.name, old.name, 'a different name, so both can exist at once');
});

t.test('new container starting: wait, the old one is not removed', async (t) => {
  const p = planFor(targetOf(updating({ snapshot: '/snap/1' })), withOld(containerOf(v2, 'web', { health: 'starting' })));
  t.same(p.steps, []);
  t.same(p.waits, [{ app: 'blog', service: 'web', reason: 'waiting for the health check' }]);
});

t.test('new container healthy: old one removed with drain, then completeUpdate', async (t) => {
  const p = planFor(targetOf(updating({ snapshot: '/snap/1' })), withOld(containerOf(v2, 'web')));
  t.same(p.steps, [
    { kind: 'removeContainer', app: 'blog', service: 'web', containerId: old.id, drain: true },
    { kind: 'completeUpdate', app: 'blog' },
  ]);
  t.same(p.waits, []);
});

t.test('update whose containers are all in place already (version-only change): completeUpdate at once', async (t) => {
  const v1b = webApp({ id: 'blog', version: '1.0.1', image: 'r.example/blog:1' });
  const r = record(v1b, { previous: v1, update: { from: '1.0.0', to: '1.0.1', startedAt: NOW } });
  const p = planFor(targetOf(r), withOld());
  t.same(p.steps, [{ kind: 'completeUpdate', app: 'blog' }], 'no beginUpdate: nothing new has to start');
});

t.test('new container unhealthy during an update: rollback, with the health detail in the reason', async (t) => {
  const bad = containerOf(v2, 'web', { health: 'unhealthy', healthDetail: 'wget: server returned error: HTTP/1.1 500' });
  const p = planFor(targetOf(updating({ snapshot: '/snap/1' })), withOld(bad));
  t.equal(p.steps.length, 1);
  const step = p.steps[0];
  t.equal(step?.kind, 'rollback');
  t.match(step, { app: 'blog', reason: /web failed its health check: wget: server returned error: HTTP\/1\.1 500/ });
  t.notOk(p.steps.some((s) => s.kind === 'removeContainer'), 'the old container is kept for the rollback');
});

t.test('unhealthy without a detail: the reason still names the service', async (t) => {
  const p = planFor(targetOf(updating({ snapshot: '/snap/1' })), withOld(containerOf(v2, 'web', { health: 'unhealthy' })));
  t.same(p.steps, [{ kind: 'rollback', app: 'blog', reason: 'web failed its health check' }]);
});

t.test('new container exited non-zero during an update: rollback naming the exit code', async (t) => {
  for (const restart of ['always', 'no', 'on-failure', 'unless-stopped'] as const) {
    const m = webApp({ id: 'blog', version: '2.0.0', image: 'r.example/blog:2', services: { web: { restart } } });
    const r = record(m, { previous: v1, update: { from: '1.0.0', to: '2.0.0', startedAt: NOW, snapshot: '/snap/1' } });
    const dead = containerOf(m, 'web', { state: 'exited', exitCode: 137, health: 'none' });
    const p = planFor(targetOf(r), withOld(dead));
    t.same(p.steps, [{ kind: 'rollback', app: 'blog', reason: 'web exited with code 137' }], `restart: ${restart}`);
  }
});

t.test('failures reaching maxUpdateFailures during an update: rollback with the failure message', async (t) => {
  const failures = { blog: { count: 3, message: 'pull r.example/blog:2: manifest unknown' } };
  const p = planFor(targetOf(updating({ snapshot: '/snap/1' })), { ...withOld(), images: imagesOf(v1) }, ctx({ failures, maxUpdateFailures: 3 }));
  t.same(p.steps, [{ kind: 'rollback', app: 'blog', reason: 'update to 2.0.0 failed: pull r.example/blog:2: manifest unknown' }]);
});

t.test('failures below the limit during an update: keep going', async (t) => {
  const failures = { blog: { count: 2, message: 'pull failed' } };
  const p = planFor(targetOf(updating({ snapshot: '/snap/1' })), { ...withOld(), images: imagesOf(v1) }, ctx({ failures, maxUpdateFailures: 3 }));
  t.same(kinds(p.steps), ['fetchImage']);
});

t.test('failures outside an update never cause a rollback', async (t) => {
  const failures = { blog: { count: 50, message: 'pull failed' } };
  const p = planFor(targetOf(record(v2)), { containers: [], networks: ['blog'], images: [] }, ctx({ failures }));
  t.same(kinds(p.steps), ['fetchImage']);
});

t.test('rollingBack set: the rollback is planned again (resumed after a crash), whatever else is observed', async (t) => {
  const r = updating({ snapshot: '/snap/1', rollingBack: 'web failed its health check: timeout' });
  for (const cur of [withOld(), withOld(containerOf(v2, 'web')), { containers: [], networks: [], images: [] }]) {
    const p = planFor(targetOf(r), cur);
    t.same(p.steps, [{ kind: 'rollback', app: 'blog', reason: 'web failed its health check: timeout' }]);
  }
});

t.test('multi-service update: each old container goes once its replacement is healthy; completeUpdate only at the end', async (t) => {
  const a1: AppManifest = webApp({ id: 'shop', version: '1.0.0', services: { api: { image: 'r.example/api:1' } } });
  const a2: AppManifest = webApp({ id: 'shop', version: '2.0.0', services: { api: { image: 'r.example/api:2' } } });
  const r = record(a2, { previous: a1, update: { from: '1.0.0', to: '2.0.0', startedAt: NOW, snapshot: '/snap/s' } });
  const oldApi = containerOf(a1, 'api');
  // web's config is the same in both versions, so its container carries over as is.
  t.equal(serviceContainer(a1, 'web', paths).hash, serviceContainer(a2, 'web', paths).hash);
  const web = containerOf(a1, 'web');
  const half = planFor(targetOf(r), { containers: [oldApi, web, containerOf(a2, 'api', { health: 'starting' })], networks: ['shop'], images: imagesOf(a1, a2) });
  t.same(half.steps, []);
  const done = planFor(targetOf(r), { containers: [oldApi, web, containerOf(a2, 'api')], networks: ['shop'], images: imagesOf(a1, a2) });
  t.same(done.steps, [
    { kind: 'removeContainer', app: 'shop', service: 'api', containerId: oldApi.id, drain: true },
    { kind: 'completeUpdate', app: 'shop' },
  ]);
});

// plan() for an installed app outside updates: health restarts and exit handling under each restart policy, with
// crash-loop back-off, containers the agent stopped itself, and a desired `stopped`.
import t from 'tap';
import type { RestartPolicy } from '../../src/manifest/types.js';
import type { ObservedContainer } from '../../src/planner/types.js';
import { webApp } from '../../../test-support/manifests.js';
import { NOW, containerOf, ctx, imagesOf, planFor, record, targetOf } from './planner-fixtures.js';

function appWith(restart: RestartPolicy) {
  return webApp({ id: 'blog', services: { web: { restart } } });
}

function onlyThis(c: ObservedContainer) {
  return { containers: [c], networks: ['blog'], images: imagesOf(webApp()) };
}

t.test('steady-state unhealthy: restartContainer with the reason, and a wait', async (t) => {
  const m = webApp({ id: 'blog' });
  const c = containerOf(m, 'web', { health: 'unhealthy', healthDetail: 'connection refused' });
  const p = planFor(targetOf(record(m)), onlyThis(c));
  const why = 'web failed its health check: connection refused';
  t.same(p.steps, [{ kind: 'restartContainer', app: 'blog', service: 'web', containerId: c.id, reason: why }]);
  t.same(p.waits, [{ app: 'blog', service: 'web', reason: why }]);
});

t.test('steady-state unhealthy during back-off: wait only', async (t) => {
  const m = webApp({ id: 'blog' });
  const c = containerOf(m, 'web', { health: 'unhealthy', healthDetail: 'connection refused' });
  const p = planFor(targetOf(record(m)), onlyThis(c), ctx({ backoffUntil: { 'blog/web': NOW + 4_000 } }));
  t.same(p.steps, []);
  t.equal(p.waits.length, 1);
  t.match(p.waits[0]?.reason, /^unhealthy, backing off \(web failed its health check: connection refused\)$/);
});

t.test('back-off that has ended, or belongs to another service, does not hold a restart back', async (t) => {
  const m = webApp({ id: 'blog' });
  const c = containerOf(m, 'web', { health: 'unhealthy' });
  const cases: Array<Record<string, number>> = [{ 'blog/web': NOW }, { 'blog/web': NOW - 1 }, { 'other/web': NOW + 60_000 }, { 'blog/db': NOW + 60_000 }];
  for (const backoffUntil of cases) {
    const p = planFor(targetOf(record(m)), onlyThis(c), ctx({ backoffUntil }));
    t.same(p.steps.map((s) => s.kind), ['restartContainer'], JSON.stringify(backoffUntil));
  }
});

t.test('exited with restart always/unless-stopped (any code): startContainer counting as a restart', async (t) => {
  for (const restart of ['always', 'unless-stopped'] as const) {
    for (const exitCode of [0, 1, 137]) {
      const m = appWith(restart);
      const c = containerOf(m, 'web', { state: 'exited', exitCode, health: 'none' });
      const p = planFor(targetOf(record(m)), onlyThis(c));
      t.same(p.steps, [{ kind: 'startContainer', app: 'blog', service: 'web', containerId: c.id, restartAfter: `exit ${exitCode}` }], `${restart}, exit ${exitCode}`);
      t.same(p.waits, [{ app: 'blog', service: 'web', reason: `restarting after exit ${exitCode}` }]);
    }
  }
});

t.test('exited during back-off: wait only, saying how long', async (t) => {
  const m = appWith('always');
  const c = containerOf(m, 'web', { state: 'exited', exitCode: 2, health: 'none' });
  const p = planFor(targetOf(record(m)), onlyThis(c), ctx({ backoffUntil: { 'blog/web': NOW + 7_500 } }));
  t.same(p.steps, []);
  t.same(p.waits, [{ app: 'blog', service: 'web', reason: 'crashed (exit 2), restarting in 8 s' }]);
});

t.test('dead container without an exit code: treated as exit -1 and restarted', async (t) => {
  const m = appWith('always');
  const c = containerOf(m, 'web', { state: 'dead', exitCode: undefined, health: 'none' });
  const p = planFor(targetOf(record(m)), onlyThis(c));
  t.same(p.steps.map((s) => s.kind), ['startContainer']);
  t.match(p.waits[0]?.reason, /exit -1/);
});

t.test('restart no / on-failure, exit 0: the service is done and counts as ready', async (t) => {
  for (const restart of ['no', 'on-failure'] as const) {
    const m = appWith(restart);
    const c = containerOf(m, 'web', { state: 'exited', exitCode: 0, health: 'none' });
    const p = planFor(targetOf(record(m)), onlyThis(c));
    t.same(p, { steps: [], waits: [] }, restart);
  }
});

t.test('restart no, exit non-zero: left alone, with a wait explaining why', async (t) => {
  const m = appWith('no');
  const c = containerOf(m, 'web', { state: 'exited', exitCode: 3, health: 'none' });
  const p = planFor(targetOf(record(m)), onlyThis(c));
  t.same(p.steps, []);
  t.same(p.waits, [{ app: 'blog', service: 'web', reason: 'exited with code 3 (restart: no)' }]);
});

t.test('restart on-failure, exit non-zero: restarted', async (t) => {
  const m = appWith('on-failure');
  const c = containerOf(m, 'web', { state: 'exited', exitCode: 1, health: 'none' });
  const p = planFor(targetOf(record(m)), onlyThis(c));
  t.same(p.steps.map((s) => s.kind), ['startContainer']);
});

t.test('a container the agent stopped itself: started again, not counted as a restart, even with restart no', async (t) => {
  for (const restart of ['no', 'always'] as const) {
    const m = appWith(restart);
    const c = containerOf(m, 'web', { state: 'exited', exitCode: 143, health: 'none' });
    const p = planFor(targetOf(record(m)), onlyThis(c), ctx({ stoppedByAgent: new Set([c.id]), backoffUntil: { 'blog/web': NOW + 60_000 } }));
    t.same(p.steps, [{ kind: 'startContainer', app: 'blog', service: 'web', containerId: c.id }], restart);
  }
});

t.test('desired stopped: stopContainer for running containers only, nothing created, no waits', async (t) => {
  const m = webApp({ id: 'blog', services: { worker: {}, cron: {} } });
  const web = containerOf(m, 'web');
  const worker = containerOf(m, 'worker', { health: 'unhealthy' });
  const cron = containerOf(m, 'cron', { state: 'exited', exitCode: 1, health: 'none' });
  const p = planFor(targetOf(record(m, { desired: 'stopped' })), { containers: [web, worker, cron], networks: ['blog'], images: [] });
  t.same(p.steps, [
    { kind: 'stopContainer', app: 'blog', service: 'web', containerId: web.id },
    { kind: 'stopContainer', app: 'blog', service: 'worker', containerId: worker.id },
  ]);
  t.same(p.waits, []);
});

t.test('desired stopped with nothing running (and no network): nothing to do', async (t) => {
  const m = webApp({ id: 'blog' });
  const c = containerOf(m, 'web', { state: 'exited', exitCode: 0, health: 'none' });
  t.same(planFor(targetOf(record(m, { desired: 'stopped' })), { containers: [c], networks: [], images: [] }), { steps: [], waits: [] });
});

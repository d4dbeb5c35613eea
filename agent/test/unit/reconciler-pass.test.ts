// Reconciler.pass(): a caller that just changed the target gets a pass that started after its call, never the
// result of one already in flight (which may have read the target before the change).
import t from 'tap';
import { Reconciler, type ReconcilerDeps } from '../../src/reconciler/reconciler.js';
import { RestartTracker } from '../../src/lifecycle/backoff.js';
import { AppPaths } from '../../src/volumes/paths.js';
import type { CurrentState } from '../../src/planner/types.js';

function harness() {
  const observed: Array<{ resolve: (c: CurrentState) => void }> = [];
  const deps = {
    store: { snapshot: () => ({ apps: {} }) },
    observer: {
      observe: () => new Promise<CurrentState>((resolve) => observed.push({ resolve })),
    },
    ingress: { setRoutes: () => undefined, setAppSources: () => undefined },
    restarts: new RestartTracker(),
    paths: new AppPaths('/nonexistent'),
    now: () => 0,
    deviceDomain: 'test.local',
    stoppedByAgent: new Set<string>(),
    maxUpdateFailures: 3,
    intervalMs: 60_000,
  } as unknown as ReconcilerDeps;
  const current = (n: number): CurrentState => ({ containers: [], networks: [], images: [`seen-${n}`] });
  const tick = () => new Promise((r) => setImmediate(r));
  return { reconciler: new Reconciler(deps), observed, current, tick };
}

t.test('a pass asked for while one is in flight is a new pass, run after it', async (t) => {
  const { reconciler, observed, current, tick } = harness();
  const first = reconciler.pass();
  await tick();
  t.equal(observed.length, 1, 'the first pass is observing');
  const second = reconciler.pass();
  const third = reconciler.pass();
  await tick();
  t.equal(observed.length, 1, 'nothing new starts while the first is in flight');
  observed[0]!.resolve(current(1));
  t.same((await first).current.images, ['seen-1']);
  await tick();
  t.equal(observed.length, 2, 'one more pass started after the first ended, for both waiting callers');
  observed[1]!.resolve(current(2));
  t.same((await second).current.images, ['seen-2'], 'the second caller gets the pass that started after its call');
  t.same((await third).current.images, ['seen-2'], 'and so does the third, joining it');
  t.same(reconciler.lastPass()?.current.images, ['seen-2']);
});

t.test('a pass asked for when none is in flight runs at once', async (t) => {
  const { reconciler, observed, current, tick } = harness();
  const p = reconciler.pass();
  await tick();
  observed[0]!.resolve(current(1));
  t.same((await p).current.images, ['seen-1']);
  const q = reconciler.pass();
  await tick();
  t.equal(observed.length, 2);
  observed[1]!.resolve(current(2));
  t.same((await q).current.images, ['seen-2']);
});

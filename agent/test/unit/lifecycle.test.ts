// Crash-loop back-off and per-app locks, both driven by an injected clock.
import t from 'tap';
import { DEFAULT_BACKOFF, RestartTracker, backoffDelay, type BackoffPolicy } from '../../src/lifecycle/backoff.js';
import { AppLockedError, AppLocks } from '../../src/lifecycle/locks.js';

const policy: BackoffPolicy = { windowMs: 60_000, baseMs: 1_000, maxMs: 8_000, loopThreshold: 4 };

t.test('backoffDelay: first restart immediate, then doubling, capped', async (t) => {
  t.same([0, 1, 2, 3, 4, 5, 6, 10, 60].map((n) => backoffDelay(n, policy)), [0, 0, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000, 8_000]);
  t.equal(backoffDelay(100, DEFAULT_BACKOFF), DEFAULT_BACKOFF.maxMs);
});

t.test('RestartTracker: back-off follows the restarts in the window', async (t) => {
  const r = new RestartTracker(policy);
  const key = 'blog/web';
  t.same(r.backoffUntil(0), {});
  r.record(key, 1_000);
  t.same(r.backoffUntil(1_000), {}, 'one restart: none held back');
  r.record(key, 2_000);
  t.same(r.backoffUntil(2_000), { [key]: 3_000 });
  t.same(r.backoffUntil(3_000), {}, 'free again at the deadline');
  r.record(key, 3_000);
  t.same(r.backoffUntil(3_500), { [key]: 5_000 }, 'doubled');
  r.record(key, 5_000);
  r.record(key, 9_000);
  r.record(key, 17_000);
  t.same(r.backoffUntil(17_000), { [key]: 25_000 }, 'capped at maxMs');
  t.equal(r.restarts(key, 17_000), 6);
  t.same(r.backoffUntil(17_000)['other/x'], undefined);
});

t.test('RestartTracker: crash-looping from the threshold on, and keys are independent', async (t) => {
  const r = new RestartTracker(policy);
  for (const at of [0, 10, 20]) r.record('a/web', at);
  r.record('b/web', 20);
  t.equal(r.crashLooping('a/web', 20), false, '3 < threshold 4');
  r.record('a/web', 30);
  t.equal(r.crashLooping('a/web', 30), true);
  t.equal(r.crashLooping('b/web', 30), false);
  t.equal(r.restarts('never', 30), 0);
});

t.test('RestartTracker: restarts older than the window expire (injected clock)', async (t) => {
  const r = new RestartTracker(policy);
  for (const at of [0, 1_000, 2_000, 3_000]) r.record('a/web', at);
  t.equal(r.crashLooping('a/web', 3_000), true);
  t.equal(r.restarts('a/web', 59_999), 4, 'all still inside the window');
  t.equal(r.restarts('a/web', 60_000), 3, 'the first one left the window');
  t.equal(r.crashLooping('a/web', 60_000), false);
  t.equal(r.restarts('a/web', 63_000), 0);
  t.same(r.backoffUntil(63_000), {});
  r.record('a/web', 100_000);
  t.same(r.backoffUntil(100_000), {}, 'after a quiet window the next restart is immediate again');
  r.record('a/web', 100_500);
  t.same(r.backoffUntil(100_500), { 'a/web': 101_500 }, 'and the doubling starts from the base again');
});

t.test('RestartTracker: the reason of the latest restart, while it is in the window', async (t) => {
  const r = new RestartTracker(policy);
  r.record('a/web', 0, 'exit 3');
  t.equal(r.reason('a/web', 1), 'exit 3');
  r.record('a/web', 10, 'failed health check');
  t.equal(r.reason('a/web', 11), 'failed health check', 'the latest wins');
  r.record('a/web', 20);
  t.equal(r.reason('a/web', 21), undefined, 'a restart without a reason clears it');
  r.record('b/web', 0, 'exit 1');
  t.equal(r.reason('b/web', 60_000), undefined, 'gone with the window');
  r.forget('b/web');
  t.equal(r.reason('b/web', 1), undefined);
});

t.test('RestartTracker: forget clears a key', async (t) => {
  const r = new RestartTracker(policy);
  r.record('a/web', 0);
  r.record('a/web', 1);
  r.forget('a/web');
  t.equal(r.restarts('a/web', 2), 0);
  t.same(r.backoffUntil(2), {});
  t.equal(new RestartTracker().crashLooping('x', 0), false, 'default policy');
});

function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

t.test('locks: exclusive per app; other apps unaffected; release frees', async (t) => {
  const c = clock();
  const locks = new AppLocks(c.now, 10_000);
  const h = locks.acquire('blog', 'install');
  t.equal(h.app, 'blog');
  t.equal(locks.isLocked('blog'), true);
  t.equal(locks.tryAcquire('blog', 'update'), undefined);
  const err = t.throws(() => locks.acquire('blog', 'remove')) as AppLockedError;
  t.ok(err instanceof AppLockedError);
  t.equal(err.app, 'blog');
  t.equal(err.holder, 'install');
  t.match(err.message, /app blog is busy \(install\)/);
  t.ok(locks.tryAcquire('wiki', 'install'), 'another app is free');
  h.release();
  t.equal(locks.isLocked('blog'), false);
  t.ok(locks.tryAcquire('blog', 'update'));
});

t.test('locks: expire after their ttl; a stale holder\'s release is a no-op', async (t) => {
  const c = clock();
  const locks = new AppLocks(c.now, 10_000);
  const stale = locks.acquire('blog', 'hung install');
  c.advance(9_999);
  t.equal(locks.isLocked('blog'), true);
  c.advance(1);
  t.equal(locks.isLocked('blog'), false, 'expired at ttl');
  const fresh = locks.acquire('blog', 'update');
  stale.release();
  t.equal(locks.isLocked('blog'), true, 'the stale release did not free the new holder');
  t.throws(() => locks.acquire('blog', 'remove'), /busy \(update\)/);
  fresh.release();
  fresh.release();
  t.equal(locks.isLocked('blog'), false);
  const short = locks.acquire('blog', 'probe', 5);
  c.advance(5);
  t.equal(locks.isLocked('blog'), false, 'per-call ttl');
  short.release();
});

t.test('acquireWait: returns once the holder releases', async (t) => {
  const locks = new AppLocks(Date.now, 60_000);
  const h = locks.acquire('blog', 'install');
  setTimeout(() => h.release(), 60);
  const got = await locks.acquireWait('blog', 'update', 30_000);
  t.equal(got.app, 'blog');
  t.throws(() => locks.acquire('blog', 'x'), /busy \(update\)/);
});

t.test('acquireWait: times out with AppLockedError naming the holder', async (t) => {
  // Each clock read moves time on by 10 ms, so the deadline passes after a few polls whatever the machine's speed.
  let now = 0;
  const locks = new AppLocks(() => (now += 10), 60_000);
  locks.acquire('blog', 'install', 1_000_000);
  await t.rejects(locks.acquireWait('blog', 'update', 50), { name: 'Error', message: /app blog is busy \(install\)/ });
  const err = await locks.acquireWait('blog', 'update', 0).then(() => undefined, (e: unknown) => e);
  t.ok(err instanceof AppLockedError, 'a zero timeout fails at once, as AppLockedError');
});

t.test('acquireWait: free lock is taken at once', async (t) => {
  const locks = new AppLocks(() => 0);
  const h = await locks.acquireWait('blog', 'install', 0);
  t.equal(locks.isLocked('blog'), true);
  h.release();
});

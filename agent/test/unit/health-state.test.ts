// The health state machine: start period, retries, recovery (Docker's semantics).
import t from 'tap';
import { afterProbe, initialHealth, type HealthTrack } from '../../src/health/health-state.js';

const rules = { retries: 3, startPeriodMs: 10_000 };

function run(track: HealthTrack, probes: Array<[boolean, number, string?]>) {
  return probes.reduce((tr, [ok, at, detail]) => afterProbe(tr, ok, detail, at, rules), track);
}

t.test('starts as starting with no streak', async (t) => {
  t.same(initialHealth(500), { status: 'starting', failingStreak: 0, startedAt: 500 });
});

t.test('failures during the start period do not count, but keep their detail', async (t) => {
  const tr = run(initialHealth(0), [[false, 1_000, 'refused'], [false, 5_000, 'refused'], [false, 9_999, 'timeout']]);
  t.same(tr, { status: 'starting', failingStreak: 0, startedAt: 0, lastDetail: 'timeout' });
});

t.test('after the start period, `retries` consecutive failures make it unhealthy', async (t) => {
  let tr = run(initialHealth(0), [[false, 10_000, 'a'], [false, 11_000, 'b']]);
  t.match(tr, { status: 'starting', failingStreak: 2, lastDetail: 'b' });
  tr = afterProbe(tr, false, 'c', 12_000, rules);
  t.match(tr, { status: 'unhealthy', failingStreak: 3, lastDetail: 'c' });
  tr = afterProbe(tr, false, 'd', 13_000, rules);
  t.match(tr, { status: 'unhealthy', failingStreak: 4 });
});

t.test('one success makes it healthy and clears the streak and detail', async (t) => {
  const tr = run(initialHealth(0), [[false, 1_000, 'x'], [true, 2_000]]);
  t.same(tr, { status: 'healthy', failingStreak: 0, startedAt: 0, lastDetail: undefined });
});

t.test('once healthy, the start period no longer shields failures', async (t) => {
  const tr = run(initialHealth(0), [[true, 1_000], [false, 2_000, 'x'], [false, 3_000, 'y']]);
  t.match(tr, { status: 'healthy', failingStreak: 2, lastDetail: 'y' }, 'still healthy below retries');
  t.match(afterProbe(tr, false, 'z', 4_000, rules), { status: 'unhealthy', failingStreak: 3 });
});

t.test('recovery: unhealthy → healthy on one success; a success resets the count', async (t) => {
  let tr = run(initialHealth(0), [[true, 1], [false, 20_000], [false, 21_000], [false, 22_000]]);
  t.equal(tr.status, 'unhealthy');
  tr = afterProbe(tr, true, undefined, 23_000, rules);
  t.same(tr, { status: 'healthy', failingStreak: 0, startedAt: 0, lastDetail: undefined });
  tr = run(tr, [[false, 24_000], [false, 25_000], [true, 26_000], [false, 27_000], [false, 28_000]]);
  t.equal(tr.status, 'healthy', 'non-consecutive failures never reach retries');
});

t.test('no start period, retries 1: the first failure is unhealthy; the input track is not mutated', async (t) => {
  const start = initialHealth(0);
  const tr = afterProbe(start, false, 'boom', 0, { retries: 1, startPeriodMs: 0 });
  t.match(tr, { status: 'unhealthy', failingStreak: 1, lastDetail: 'boom' });
  t.same(start, { status: 'starting', failingStreak: 0, startedAt: 0 });
});

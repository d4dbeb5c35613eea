// Install progress: NDJSON lines -> a bar that moves forward, never back, and ends at 100 only on success.
import t from 'tap';
import type { InstallLine } from '../../agent/src/client/index.js';
import type { AppStatus } from '../../agent/src/client/index.js';
import { advance, initialProgress, progressOf } from '../src/lib/progress.js';

const app = { id: 'tiny', urls: ['https://tiny.d.example/'] } as AppStatus;
const step = (s: string, phase: 'start' | 'done' | 'failed'): InstallLine => ({ type: 'step', app: 'tiny', step: s, phase, at: 1 });
const pull = (layer: string, current: number, total: number): InstallLine => ({ type: 'pull', app: 'tiny', image: 'i', status: 'Downloading', layer, current, total, at: 1 });

t.test('a full install goes 0 -> 100, monotonically', async (t) => {
  const lines: InstallLine[] = [
    { type: 'accepted', outcome: 'installed' },
    step('createNetwork', 'start'),
    step('createNetwork', 'done'),
    step('fetchImage', 'start'),
    pull('a', 0, 100),
    pull('b', 0, 300),
    pull('a', 100, 100),
    pull('b', 150, 300),
    pull('b', 300, 300),
    step('fetchImage', 'done'),
    step('createContainer', 'start'),
    step('createContainer', 'done'),
    step('startContainer', 'start'),
    step('startContainer', 'done'),
    { type: 'health', app: 'tiny', service: 'web', status: 'starting', at: 1 },
    { type: 'health', app: 'tiny', service: 'web', status: 'healthy', at: 1 },
    { type: 'converged', app: 'tiny', version: '1.0.0', at: 1 },
    { type: 'result', ok: true, outcome: 'installed', app },
  ];
  let p = initialProgress;
  const seen: number[] = [];
  for (const l of lines) {
    p = advance(p, l);
    seen.push(p.percent);
  }
  t.same(seen, [...seen].sort((a, b) => a - b), 'never goes backwards');
  t.equal(seen[6], 15 + Math.round(45 * (100 / 400)) + 0, 'download share counts bytes over all layers');
  t.equal(seen[7], Math.round(15 + 45 * (250 / 400)));
  t.equal(seen[8], 60, 'all layers downloaded: end of the download band');
  t.match(p, { percent: 100, done: true, ok: true, label: 'Installed', app });
});

t.test('failures', async (t) => {
  const retry = progressOf([{ type: 'accepted', outcome: 'installed' }, step('fetchImage', 'start'), step('fetchImage', 'failed')]);
  t.match(retry, { percent: 15, done: false, label: /retrying/ }, 'a failed step keeps the bar and says it retries');
  const failed = progressOf([{ type: 'accepted', outcome: 'installed' }, { type: 'result', ok: false, error: 'timeout', message: 'the app did not become healthy' }]);
  t.match(failed, { done: true, ok: false, message: 'the app did not become healthy', percent: 5 });
  t.equal(advance(failed, { type: 'converged', app: 'tiny', version: '1', at: 1 }), failed, 'nothing moves after the result');
  const rolled = progressOf([step('beginUpdate', 'start'), { type: 'rolled-back', app: 'tiny', version: '1.0.0', reason: 'unhealthy', at: 1 }]);
  t.match(rolled.label, /going back/);
});

t.test('odd lines are harmless', async (t) => {
  t.equal(advance(initialProgress, step('somethingNew', 'start')), initialProgress, 'unknown steps are ignored');
  t.equal(progressOf([pull('a', 5, 0)]).percent, 15, 'a pull without a total only enters the download band');
  t.equal(progressOf([pull('a', 500, 100)]).percent, 60, 'current above total is capped');
  t.equal(progressOf([{ type: 'accepted', outcome: 'unchanged' }]).label, 'Already installed');
  t.equal(advance(initialProgress, { type: 'weird' } as unknown as InstallLine), initialProgress);
});

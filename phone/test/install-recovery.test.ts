// After a broken progress stream: the app's status, read again and again, says how the install ended.
import t from 'tap';
import type { AppStatus } from '../../agent/src/client/index.js';
import { installVerdict } from '../src/lib/install-recovery.js';

const limits = { notStartedMs: 10_000, giveUpMs: 60_000 };
const status = (over: Partial<AppStatus>): AppStatus =>
  ({ id: 'tiny', name: 'Tiny', version: '1.0.0', desired: 'running', phase: 'running', urls: ['https://tiny.d.example/'], services: [], waiting: [], ...over }) as AppStatus;

t.test('a fresh install: absent, then under way, then running', async (t) => {
  t.match(installVerdict(undefined, '1.0.0', 0, limits), { state: 'waiting' }, 'absent at first: the device may not have started');
  t.match(installVerdict(undefined, '1.0.0', 10_000, limits), { state: 'failed', message: /before your Hearth got the request/ }, 'absent for long: never got it');
  t.match(installVerdict(status({ phase: 'installing' }), '1.0.0', 20_000, limits), { state: 'waiting', label: /goes on/ });
  t.match(installVerdict(status({ phase: 'starting' }), '1.0.0', 59_000, limits), { state: 'waiting' });
  t.match(installVerdict(status({ phase: 'starting' }), '1.0.0', 60_000, limits), { state: 'failed', message: /still not running \(starting\)/ }, 'gives up at last');
  t.match(installVerdict(status({}), '1.0.0', 30_000, limits), { state: 'ok', app: { urls: ['https://tiny.d.example/'] } });
});

t.test('an update: old version running until the device starts on it; a rollback is a failure', async (t) => {
  const old = status({ version: '0.9.0' });
  t.match(installVerdict(old, '1.0.0', 1000, limits), { state: 'waiting' }, 'not started yet');
  t.match(installVerdict(old, '1.0.0', 10_000, limits), { state: 'failed', message: /before your Hearth got the request/ });
  t.match(installVerdict(status({ version: '0.9.0', phase: 'updating', update: { from: '0.9.0', to: '1.0.0', startedAt: 1 } }), '1.0.0', 30_000, limits), { state: 'waiting' });
  t.match(installVerdict(status({ version: '0.9.0', phase: 'rolling-back', update: { from: '0.9.0', to: '1.0.0', startedAt: 1 } }), '1.0.0', 30_000, limits), { state: 'waiting' });
  const rolledBack = status({ version: '0.9.0', lastFailure: { version: '1.0.0', reason: 'web: exit 3', at: 5 } });
  t.match(installVerdict(rolledBack, '1.0.0', 2000, limits), { state: 'waiting' }, 'a failure of this version may be from an earlier attempt');
  t.match(installVerdict(rolledBack, '1.0.0', 12_000, limits), { state: 'failed', message: /previous one was kept: web: exit 3/ });
  t.match(installVerdict(status({}), '1.0.0', 12_000, limits), { state: 'ok' }, 'the new version runs');
});

t.test('installed but unwell: wait for the device, then say what it says', async (t) => {
  const sick = status({ phase: 'crash-looping', error: 'web keeps exiting (exit 1)' });
  t.match(installVerdict(sick, '1.0.0', 5000, limits), { state: 'waiting', label: /waiting for the app/ });
  t.match(installVerdict(sick, '1.0.0', 60_000, limits), { state: 'failed', message: 'web keeps exiting (exit 1)' });
  t.match(installVerdict(status({ phase: 'unhealthy' }), '1.0.0', 60_000, limits), { state: 'failed', message: 'It is installed but unhealthy.' });
});

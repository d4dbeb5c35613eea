// setAppPower: a start or stop whose answer was lost is checked against what the device now wants for the app, and
// sent again only when the device did not get it. The client is a stand-in with the DeviceClient methods used.
import t from 'tap';
import type { AppStatus } from '../../agent/src/client/index.js';
import { ApiError } from '../../agent/src/client/index.js';
import { setAppPower, type Power } from '../src/lib/app-power.js';

/** A device whose answers to start/stop can be lost after (or before) it acted on them. */
function device(initial: Power, o: { loseAnswers: number; actBeforeLosing?: boolean }) {
  let desired = initial;
  let lost = 0;
  const calls: string[] = [];
  const status = () => ({ id: 'tiny', desired }) as AppStatus;
  const act = (want: Power) => async () => {
    calls.push(want === 'running' ? 'start' : 'stop');
    const losing = lost < o.loseAnswers;
    if (!losing || o.actBeforeLosing !== false) desired = want;
    if (losing) {
      lost++;
      throw new TypeError('Failed to fetch');
    }
    return status();
  };
  return {
    calls,
    client: {
      start: act('running'),
      stop: act('stopped'),
      app: async () => {
        calls.push('status');
        return status();
      },
    },
  };
}

t.test('answered: sent once, nothing checked', async (t) => {
  const d = device('running', { loseAnswers: 0 });
  await setAppPower(d.client, 'tiny', 'stopped');
  t.same(d.calls, ['stop']);
});

t.test('the answer was lost after the device acted: checked, not sent again', async (t) => {
  const d = device('running', { loseAnswers: 1 });
  await setAppPower(d.client, 'tiny', 'stopped');
  t.same(d.calls, ['stop', 'status']);
  const e = device('stopped', { loseAnswers: 1 });
  await setAppPower(e.client, 'tiny', 'running');
  t.same(e.calls, ['start', 'status']);
});

t.test('the request never arrived: checked, then sent again', async (t) => {
  const d = device('running', { loseAnswers: 1, actBeforeLosing: false });
  await setAppPower(d.client, 'tiny', 'stopped');
  t.same(d.calls, ['stop', 'status', 'stop']);
});

t.test('lost twice: the second failure is the owner\'s to see', async (t) => {
  const d = device('running', { loseAnswers: 2, actBeforeLosing: false });
  await t.rejects(setAppPower(d.client, 'tiny', 'stopped'), TypeError);
  t.same(d.calls, ['stop', 'status', 'stop']);
});

t.test('an answer that says no is not retried', async (t) => {
  const calls: string[] = [];
  const client = {
    start: async (): Promise<AppStatus> => {
      calls.push('start');
      throw new ApiError(409, 'busy', 'app tiny is busy (install); try again shortly');
    },
    stop: async (): Promise<AppStatus> => {
      throw new Error('not called');
    },
    app: async (): Promise<AppStatus> => {
      throw new Error('not called');
    },
  };
  const err: unknown = await setAppPower(client, 'tiny', 'running').catch((e: unknown) => e);
  t.ok(err instanceof ApiError && err.status === 409, 'the device\'s 409 reaches the owner');
  t.same(calls, ['start']);
});

// revokeClient: a revocation whose answer was lost is checked against the device's client list (or, for the phone
// revoking itself, against the device now refusing it) and sent again only when the device did not get it.
import t from 'tap';
import { ApiError } from '../../agent/src/client/index.js';
import type { PairedClient } from '../../agent/src/client/device-client.js';
import { revokeClient } from '../src/lib/revoke-client.js';

/** A device with two clients, `me` (the caller) and `other`; answers to revocations can be lost. */
function device(o: { loseAnswers: number; actBeforeLosing?: boolean }) {
  const revoked = new Set<string>();
  let lost = 0;
  const calls: string[] = [];
  const list = (): PairedClient[] =>
    ['me', 'other'].map((id) => ({ id, name: id, addedAt: '2026-11-28T00:00:00Z', via: 'code', ...(revoked.has(id) ? { revokedAt: '2026-11-28T01:00:00Z' } : {}) }));
  return {
    calls,
    client: {
      revokeClient: async (id: string): Promise<void> => {
        calls.push(`revoke ${id}`);
        const losing = lost < o.loseAnswers;
        if (!losing || o.actBeforeLosing !== false) revoked.add(id);
        if (losing) {
          lost++;
          throw new TypeError('Failed to fetch');
        }
      },
      clients: async (): Promise<PairedClient[]> => {
        calls.push('list');
        if (revoked.has('me')) throw new ApiError(403, 'HEARTH_AUTH_REVOKED', 'this client has been revoked');
        return list();
      },
    },
  };
}

t.test('answered: sent once, nothing checked', async (t) => {
  const d = device({ loseAnswers: 0 });
  await revokeClient(d.client, 'other');
  t.same(d.calls, ['revoke other']);
});

t.test('the answer was lost after the device acted: checked, not sent again', async (t) => {
  const d = device({ loseAnswers: 1 });
  await revokeClient(d.client, 'other');
  t.same(d.calls, ['revoke other', 'list']);
});

t.test('the phone revoking itself: the device refusing it afterwards shows the request arrived', async (t) => {
  const d = device({ loseAnswers: 1 });
  await revokeClient(d.client, 'me');
  t.same(d.calls, ['revoke me', 'list']);
});

t.test('the request never arrived: checked, then sent again', async (t) => {
  const d = device({ loseAnswers: 1, actBeforeLosing: false });
  await revokeClient(d.client, 'me');
  t.same(d.calls, ['revoke me', 'list', 'revoke me']);
});

t.test('sent again after the first arrived late: the device\'s "not active" or "revoked" means done', async (t) => {
  for (const id of ['other', 'me']) {
    const d = device({ loseAnswers: 1, actBeforeLosing: false });
    const revoke = d.client.revokeClient;
    let first = true;
    // The check runs before the first request lands; the request lands just before it is sent again.
    d.client.revokeClient = async (target: string) => {
      if (first) {
        first = false;
        return revoke(target);
      }
      d.calls.push(`revoke ${target}`);
      throw target === 'me'
        ? new ApiError(403, 'HEARTH_AUTH_REVOKED', 'this client has been revoked')
        : new ApiError(404, 'HEARTH_CLIENT_UNKNOWN', `no active client ${target}`);
    };
    await revokeClient(d.client, id);
    t.same(d.calls, [`revoke ${id}`, 'list', `revoke ${id}`], id);
  }
});

t.test('lost twice, or refused for another reason: the owner sees it', async (t) => {
  const d = device({ loseAnswers: 2, actBeforeLosing: false });
  await t.rejects(revokeClient(d.client, 'other'), TypeError);
  t.same(d.calls, ['revoke other', 'list', 'revoke other']);
  const e = device({ loseAnswers: 1, actBeforeLosing: false });
  e.client.clients = async () => {
    throw new ApiError(401, 'HEARTH_AUTH_EXPIRED', 'request timestamp is 400 s away from device time');
  };
  await t.rejects(revokeClient(e.client, 'other'), { code: 'HEARTH_AUTH_EXPIRED' });
});

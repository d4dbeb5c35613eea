// DeviceClient over the signed transport, against a real agent on podman (Node side, same code as the PWA):
// every device-web call, the install's real NDJSON lines through the progress reducer, and the transport's refusals.
import t from 'tap';
import { startDevice } from '../../test-support/device-harness.js';
import { hostFetch } from '../../test-support/host-fetch.js';
import { createRequestSigner, generateClientKeyPair, pairWithDevice } from '../../agent/src/client-auth/index.js';
import { signedTransport } from '../../agent/src/client-auth/signed-transport.js';
import { ApiError, type InstallLine } from '../../agent/src/client/client.js';
import { DeviceClient } from '../../agent/src/client/device-client.js';
import { fetchTransport, type Transport } from '../../agent/src/client/transport.js';
import { advance, initialProgress } from '../src/lib/progress.js';

t.test('device web calls through DeviceClient', async (t) => {
  const dev = await startDevice(t);
  const base = dev.url.replace(/\/$/, '');
  const f = hostFetch(dev.ingressPort);
  const keyPair = await generateClientKeyPair();
  const paired = await pairWithDevice({ baseUrl: base, credential: { mode: 'code', code: dev.pairingCode }, keyPair, clientName: 'node phone', fetch: f });
  const signer = createRequestSigner({ keyId: paired.clientId, privateKey: keyPair.privateKey });
  const c = new DeviceClient(signedTransport(fetchTransport(base, f), signer));

  const info = await c.device();
  t.match(info, { deviceId: paired.deviceId, deviceDomain: dev.domain, connectivity: { lan: true } });
  t.ok(info.storage.totalBytes > 0 && info.storage.freeBytes <= info.storage.totalBytes, 'storage figures are sane');
  t.match(await c.updates(), { channel: String, status: String, current: info.version });
  t.match(await c.health(), { status: 'ok', deviceDomain: dev.domain });

  const store = await c.catalog();
  t.ok(store.version >= 1, 'catalog version');
  t.match(store.apps.find((a) => a.id === 'tiny'), { id: 'tiny', installed: false });

  const lines: InstallLine[] = [];
  let p = initialProgress;
  const percents: number[] = [];
  const result = await c.installFromCatalog('tiny', (line) => {
    lines.push(line);
    p = advance(p, line);
    percents.push(p.percent);
  });
  t.match(result, { type: 'result', ok: true, outcome: 'installed', app: { id: 'tiny', urls: [`http://tiny.${dev.domain}/`] } });
  t.ok(lines.some((l) => l.type === 'step'), `the device streamed progress (${lines.length} lines)`);
  t.same(percents, [...percents].sort((a, b) => a - b), 'the real lines move the bar forward only');
  t.match(p, { percent: 100, done: true, ok: true });
  t.match((await c.catalog()).apps.find((a) => a.id === 'tiny'), { installed: true, installedVersion: '1.0.0' });

  t.same((await c.listApps()).map((a) => a.id), ['tiny']);
  t.match(await c.stop('tiny'), { desired: 'stopped' });
  t.match(await c.start('tiny'), { desired: 'running' });
  t.ok(Array.isArray(await c.logs('tiny', { tail: 10 })), 'logs');
  await c.remove('tiny', false);
  t.same(await c.listApps(), [], 'removed');

  // The device answers 500 today for an id missing from the catalog (reported: it should be a 404); either way
  // the phone gets an ApiError with a status to word.
  const unknown = (await c.installFromCatalog('no-such-app').catch((e: unknown) => e)) as ApiError;
  t.ok(unknown instanceof ApiError && unknown.status >= 400, `installing an unknown store app fails with an ApiError (${unknown.status})`);
  const invite = await c.createInvite();
  t.match(invite.url, /^hearth:\/\/pair\?.*i=/);
  const clients = await c.clients();
  t.match(clients, [{ id: paired.clientId, name: 'node phone' }]);
  t.equal(await statusOf(c.revokeClient('a'.repeat(26))), 404, 'revoking an unknown client: 404');

  // The transport signs streamed bodies over their exact bytes, and refuses over-large ones before sending.
  let sent = 0;
  const counting: Transport = (req) => {
    sent++;
    return fetchTransport(base, f)(req);
  };
  const streamed = signedTransport(counting, signer);
  async function* body() {
    yield new TextEncoder().encode('{"id":');
    yield new TextEncoder().encode('"no-such-app"}');
  }
  const res = await streamed({ method: 'POST', path: '/v1/catalog/install', headers: { 'content-type': 'application/json' }, body: body() });
  t.not(res.status, 401, `a streamed body is signed correctly (got ${res.status}, not an auth failure)`);
  const small = signedTransport(counting, signer, { maxBodyBytes: 8 });
  const before = sent;
  await t.rejects(small({ method: 'POST', path: '/v1/apps', body: 'x'.repeat(9) }), /over the 8-byte limit/);
  await t.rejects(small({ method: 'POST', path: '/v1/apps', body: body() }), /over the 8-byte limit/);
  t.equal(sent, before, 'nothing was sent for refused bodies');

  // Unsigned calls and a revoked key: errors carry the status the phone words.
  const unsigned = new DeviceClient(fetchTransport(base, f));
  t.equal(await statusOf(unsigned.device()), 401);
  await c.revokeClient(paired.clientId);
  t.equal(await statusOf(c.device()), 403, 'revoked: 403');
  t.equal(await statusOf(c.listApps()), 403, 'inherited calls too');
});

/** The HTTP status of the ApiError a call rejects with (0 when it does not reject). */
async function statusOf(p: Promise<unknown>): Promise<number> {
  return p.then(
    () => 0,
    (e: unknown) => (e instanceof ApiError ? e.status : -1),
  );
}

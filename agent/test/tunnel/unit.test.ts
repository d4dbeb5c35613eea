// Pure parts of the tunnel: device IDs, control frames, login signing (checked by the relay's verifier), back-off.
import t from 'tap';
import { createHash } from 'node:crypto';
import { PassThrough, Duplex } from 'node:stream';
import { ed25519 } from '@noble/curves/ed25519.js';
import { backoffDelay } from '../../src/tunnel/backoff.js';
import { DEVICE_ID_PATTERN, base32Lower, deviceIdFromPublicKey } from '../../src/tunnel/device-id.js';
import { encodeFrame, readFrame } from '../../src/tunnel/frames.js';
import { deviceLogin, RelayRefusedError } from '../../src/tunnel/login.js';
import { Hello, parseMessage, signedPayload } from '../../src/tunnel/protocol.js';
import { parseRelayUrl } from '../../src/tunnel/transport.js';
import { verifyHello } from '../../../relay/src/login.js';

function duplexPair(): [Duplex, Duplex] {
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  const a = Duplex.from({ readable: bToA, writable: aToB });
  const b = Duplex.from({ readable: aToB, writable: bToA });
  return [a, b];
}

t.test('device id: RFC 4648 base32, lowercase, 26 chars of sha256(pubkey)[0..16]', async (t) => {
  t.equal(base32Lower(Buffer.from('foobar')), 'mzxw6ytboi'); // RFC 4648 test vector, lowercased, unpadded
  t.equal(base32Lower(Buffer.from('f')), 'my');
  const { publicKey } = ed25519.keygen();
  const id = deviceIdFromPublicKey(publicKey);
  t.match(id, DEVICE_ID_PATTERN);
  t.equal(id, base32Lower(createHash('sha256').update(publicKey).digest().subarray(0, 16)));
  t.throws(() => deviceIdFromPublicKey(new Uint8Array(31)), /32 bytes/);
});

t.test('control frames: round trip, leftover bytes pushed back, limits', async (t) => {
  const [a, b] = duplexPair();
  a.write(Buffer.concat([encodeFrame({ hi: 1 }), Buffer.from('PRI * HTTP/2.0')]));
  t.same(await readFrame(b, 1000), { hi: 1 });
  const rest = await new Promise<Buffer>((r) => b.once('data', r).resume());
  t.equal(rest.toString(), 'PRI * HTTP/2.0', 'bytes after the frame are not lost');
  const [c, d] = duplexPair();
  const huge = Buffer.alloc(4);
  huge.writeUInt32BE(1 << 20);
  c.write(huge);
  await t.rejects(readFrame(d, 1000), /exceeds/);
  const [e, f] = duplexPair();
  e.write(Buffer.from([0, 0, 0, 3, 0x7b, 0x7b, 0x7b]));
  await t.rejects(readFrame(f, 1000), /not valid JSON/);
  const [, h] = duplexPair();
  await t.rejects(readFrame(h, 50), /within 50 ms/);
  t.throws(() => encodeFrame({ x: 'y'.repeat(9000) }), /too large/);
});

t.test('login: device signs, relay verifier accepts exactly that relay, nonce and time', async (t) => {
  const keyPair = ed25519.keygen();
  const [device, relay] = duplexPair();
  const nonce = Buffer.alloc(32, 7);
  const now = 1_800_000_000_000;
  relay.write(encodeFrame({ t: 'challenge', v: 1, nonce: nonce.toString('base64'), relay: 'relay.example' }));
  const loginDone = deviceLogin(device, 'relay.example', keyPair, ['shop.example.org'], now, 1000);
  const hello = parseMessage<Hello>(Hello, await readFrame(relay, 1000), 'hello');
  t.same(hello.domains, ['shop.example.org']);
  const id = deviceIdFromPublicKey(keyPair.publicKey);
  t.equal(verifyHello(hello, nonce, 'relay.example', now + 1000, 60_000), id);
  t.throws(() => verifyHello(hello, nonce, 'other.relay', now, 60_000), /does not verify/, 'bound to relay name');
  t.throws(() => verifyHello(hello, Buffer.alloc(32, 8), 'relay.example', now, 60_000), /does not verify/, 'bound to nonce');
  t.throws(() => verifyHello(hello, nonce, 'relay.example', now + 120_000, 60_000), /timestamp/, 'stale');
  t.throws(() => verifyHello({ ...hello, timestamp: now + 1 }, nonce, 'relay.example', now, 60_000), /does not verify/, 'timestamp signed');
  t.throws(() => verifyHello({ ...hello, publicKey: Buffer.alloc(32, 1).toString('base64') }, nonce, 'relay.example', now, 60_000), /does not verify/);
  t.throws(() => verifyHello({ ...hello, signature: 'AAAA' }, nonce, 'relay.example', now, 60_000), /64 bytes/);
  t.ok(ed25519.verify(Buffer.from(hello.signature, 'base64'), signedPayload(nonce, 'relay.example', now), keyPair.publicKey));
  relay.write(encodeFrame({ t: 'welcome', deviceId: id, names: [`${id}.zone.example`], rejected: [] }));
  t.same((await loginDone).names, [`${id}.zone.example`]);
});

t.test('login: device refuses a relay that names itself differently, and reports refusals', async (t) => {
  const keyPair = ed25519.keygen();
  const [device, relay] = duplexPair();
  relay.write(encodeFrame({ t: 'challenge', v: 1, nonce: Buffer.alloc(32).toString('base64'), relay: 'evil.example' }));
  await t.rejects(deviceLogin(device, 'relay.example', keyPair, [], Date.now(), 1000), /calls itself evil.example/);
  const [device2, relay2] = duplexPair();
  relay2.write(encodeFrame({ t: 'challenge', v: 1, nonce: Buffer.alloc(32).toString('base64'), relay: 'relay.example' }));
  const done = deviceLogin(device2, 'relay.example', keyPair, [], Date.now(), 1000);
  await readFrame(relay2, 1000);
  relay2.write(encodeFrame({ t: 'error', code: 'rate-limited', message: 'slow down' }));
  const err = await done.catch((e: unknown) => e);
  t.ok(err instanceof RelayRefusedError && err.code === 'rate-limited');
  const [device3, relay3] = duplexPair();
  relay3.write(encodeFrame({ t: 'challenge', v: 1, nonce: 'short', relay: 'relay.example', extra: true }));
  await t.rejects(deviceLogin(device3, 'relay.example', keyPair, [], Date.now(), 1000), /invalid challenge/);
});

t.test('back-off grows, is capped and jittered within [base/2, base]', async (t) => {
  const o = { initialMs: 100, maxMs: 1000, factor: 2 };
  t.equal(backoffDelay(0, o, () => 0), 50);
  t.equal(backoffDelay(0, o, () => 1), 100);
  t.equal(backoffDelay(3, o, () => 1), 800);
  t.equal(backoffDelay(30, o, () => 1), 1000);
  t.equal(backoffDelay(30, o, () => 0), 500);
});

t.test('relay URLs', async (t) => {
  t.match(parseRelayUrl('tls://relay.example:9443'), { scheme: 'tls', host: 'relay.example', port: 9443 });
  t.match(parseRelayUrl('wss://relay.example/v1/tunnel'), { scheme: 'wss', port: 443 });
  t.throws(() => parseRelayUrl('http://relay.example'), /tls:\/\/ or wss:\/\//);
  t.throws(() => parseRelayUrl('nonsense'), /not a URL/);
});

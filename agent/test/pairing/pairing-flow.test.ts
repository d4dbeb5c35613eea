// Pairing end to end over real HTTP: QR, short code, invite, physical reset, lock-out, fake device.
import t from 'tap';
import { mkdir, writeFile, access } from 'node:fs/promises';
import { dirname } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startDevice, type Device } from './harness.js';
import { pairWithDevice, PairingFailed, type PairingCredential } from '../../src/client-auth/pair-client.js';
import { generateClientKeyPair, exportPublicKeyRaw } from '../../src/client-auth/keys.js';
import { createRequestSigner } from '../../src/client-auth/signer.js';
import { parsePairingUrl } from '../../src/pairing/pairing-url.js';
import { startSpake2 } from '../../src/pairing/spake2.js';
import { PAIRING_SUITE, pairingAad, pairingPasswordScalar } from '../../src/pairing/protocol.js';
import { toBase64Url, fromBase64Url, utf8 } from '../../src/client-auth/encoding.js';

async function device(t: { teardown(fn: () => unknown): void }, opts = {}): Promise<Device> {
  const d = await startDevice(opts);
  t.teardown(() => d.close());
  return d;
}

function qrCredential(d: Device): PairingCredential {
  const p = parsePairingUrl(d.service.pairingUrl(d.relay));
  return { mode: 'qr', secret: p.secret, expectedDeviceId: p.deviceId };
}

async function pair(d: Device, credential: PairingCredential, name = 'phone') {
  const keyPair = await generateClientKeyPair();
  const result = await pairWithDevice({ baseUrl: d.base, credential, keyPair, clientName: name });
  return { ...result, keyPair, signer: createRequestSigner({ keyId: result.clientId, privateKey: keyPair.privateKey }) };
}

async function signedFetch(d: Device, signer: ReturnType<typeof createRequestSigner>, method: string, url: string) {
  const res = await fetch(d.base + url, { method, headers: await signer.sign({ method, url }) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

t.test('QR pairing: owner stored, device key pinned, window closed, signed requests work', async (t) => {
  const d = await device(t);
  t.equal(((await (await fetch(`${d.base}/v1/pair/info`)).json()) as { windowOpen: boolean }).windowOpen, true);
  const owner = await pair(d, qrCredential(d));
  t.equal(owner.deviceId, d.identity.deviceId);
  t.same(fromBase64Url(owner.devicePublicKey), d.identity.publicKey, 'phone pinned the real device key');
  const stored = d.clients.get(owner.clientId);
  t.equal(stored?.via, 'qr');
  t.equal(stored?.publicKey, toBase64Url(await exportPublicKeyRaw(owner.keyPair.publicKey)), 'device stored the phone key');
  t.equal(d.service.windowOpen(), false);
  const list = await signedFetch(d, owner.signer, 'GET', '/v1/clients');
  t.equal(list.status, 200);
  t.match(list.json, { clients: [{ id: owner.clientId, name: 'phone' }] });
});

t.test('short code pairing works; a wrong code fails both confirmations', async (t) => {
  const d = await device(t);
  const right = d.service.shortCode();
  const wrong = String((Number(right) + 1) % 1e8).padStart(8, '0');
  // The phone refuses the device's confirmation and never sends its own.
  await t.rejects(pair(d, { mode: 'code', code: wrong }), /code does not match/);
  // A client that ignores cB and sends its confirmation anyway is refused by the device.
  const keyPair = await generateClientKeyPair();
  const spake = startSpake2({ suite: PAIRING_SUITE, role: 'A', w: pairingPasswordScalar(utf8(wrong)), aad: pairingAad('code') });
  const start = await fetch(`${d.base}/v1/pair/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ v: 1, mode: 'code', clientPublicKey: toBase64Url(await exportPublicKeyRaw(keyPair.publicKey)), clientName: 'x', pA: toBase64Url(spake.message) }),
  });
  const s = (await start.json()) as Record<string, string>;
  const keys = spake.finish(fromBase64Url(s.pB!), { idA: await exportPublicKeyRaw(keyPair.publicKey), idB: d.identity.publicKey });
  const fin = await fetch(`${d.base}/v1/pair/finish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sessionId: s.sessionId, cA: toBase64Url(keys.confirmation) }) });
  t.equal(fin.status, 401, 'device refuses the wrong-code confirmation');
  const reuse = await fetch(`${d.base}/v1/pair/finish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sessionId: s.sessionId, cA: toBase64Url(keys.confirmation) }) });
  t.equal(reuse.status, 404, 'sessions are single use');
  t.equal(d.clients.list().length, 0, 'nothing stored');
  const owner = await pair(d, { mode: 'code', code: right });
  t.equal(d.clients.get(owner.clientId)?.via, 'code');
});

t.test('pairing twice is refused without an invite or reset', async (t) => {
  const d = await device(t);
  await pair(d, qrCredential(d));
  const err = await pair(d, qrCredential(d)).catch((e: unknown) => e);
  t.ok(err instanceof PairingFailed);
  t.equal((err as PairingFailed).status, 403);
  t.match((err as Error).message, /already has an owner/);
  t.equal(d.clients.list().length, 1);
});

t.test('invite from the owner lets a second client pair, once', async (t) => {
  const d = await device(t);
  const owner = await pair(d, qrCredential(d));
  const res = await fetch(`${d.base}/v1/pair/invites`, { method: 'POST', headers: await owner.signer.sign({ method: 'POST', url: '/v1/pair/invites' }) });
  t.equal(res.status, 200);
  const { url } = (await res.json()) as { url: string };
  const p = parsePairingUrl(url);
  t.ok(p.inviteId);
  const cred: PairingCredential = { mode: 'invite', inviteId: p.inviteId!, secret: p.secret, expectedDeviceId: p.deviceId };
  const laptop = await pair(d, cred, 'laptop');
  t.equal(d.clients.get(laptop.clientId)?.via, `invite:${owner.clientId}`);
  t.equal((await signedFetch(d, laptop.signer, 'GET', '/v1/clients')).status, 200, 'the invited client is an admin');
  await t.rejects(pair(d, cred, 'third'), /invite unknown or expired/, 'invite is single use');
  const unauth = await fetch(`${d.base}/v1/pair/invites`, { method: 'POST' });
  t.equal(unauth.status, 401, 'creating invites needs a signed request');
  // Owner revokes the laptop: immediate 403.
  t.equal((await signedFetch(d, owner.signer, 'DELETE', `/v1/clients/${laptop.clientId}`)).status, 200);
  t.equal((await signedFetch(d, laptop.signer, 'GET', '/v1/clients')).status, 403);
});

t.test('physical reset marker revokes every client and reopens pairing', async (t) => {
  const d = await device(t);
  const owner = await pair(d, qrCredential(d));
  await mkdir(dirname(d.resetMarker), { recursive: true });
  await writeFile(d.resetMarker, '');
  const newOwner = await pair(d, { mode: 'code', code: d.service.shortCode() }, 'new phone');
  await t.rejects(access(d.resetMarker), /ENOENT/, 'marker consumed');
  t.equal((await signedFetch(d, owner.signer, 'GET', '/v1/clients')).status, 403, 'old owner revoked');
  t.equal((await signedFetch(d, newOwner.signer, 'GET', '/v1/clients')).status, 200);
});

t.test('a reset marker on a read-only boot partition resets once, not on every start', async (t) => {
  const d = await device(t);
  const boot = dirname(d.resetMarker);
  await mkdir(boot, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'hearth-test-boot', boot], { stdio: 'ignore' });
  } catch {
    t.comment('SKIP: cannot mount a tmpfs here (needs root)');
    return;
  }
  t.teardown(() => execFileSync('umount', [boot]));
  await writeFile(d.resetMarker, '');
  execFileSync('mount', ['-o', 'remount,ro', boot]);
  const owner = await pair(d, { mode: 'code', code: d.service.shortCode() });
  t.equal((await signedFetch(d, owner.signer, 'GET', '/v1/clients')).status, 200, 'the first pairing consumed the marker');
  await access(d.resetMarker);
  t.equal(await d.service.applyResetMarker(), false, 'the same marker does not reset again (nor crash on EROFS)');
  t.equal((await signedFetch(d, owner.signer, 'GET', '/v1/clients')).status, 200, 'owner kept');
  // A new marker (written while the partition was writable, e.g. from a PC) is a new reset.
  execFileSync('mount', ['-o', 'remount,rw', boot]);
  await writeFile(d.resetMarker, 'again');
  execFileSync('mount', ['-o', 'remount,ro', boot]);
  t.equal(await d.service.applyResetMarker(), true, 'a changed marker resets');
  t.equal((await signedFetch(d, owner.signer, 'GET', '/v1/clients')).status, 403, 'owner revoked by the new marker');
});

t.test('brute force on the short code stops at the limit (lock-out), QR still works', async (t) => {
  const d = await device(t, { limit: { maxAttempts: 10, windowMs: 60_000, lockoutMs: 300_000 } });
  const right = d.service.shortCode();
  let refused = 0;
  for (let i = 0; i < 10; i++) {
    const guess = String((Number(right) + 1 + i) % 1e8).padStart(8, '0');
    const err = await pair(d, { mode: 'code', code: guess }).catch((e: unknown) => e as PairingFailed);
    if (err instanceof PairingFailed && /code does not match/.test(err.message)) refused++;
  }
  t.equal(refused, 10, '10 wrong guesses answered (and refused)');
  const locked = await pair(d, { mode: 'code', code: right }).catch((e: unknown) => e as PairingFailed);
  t.equal((locked as PairingFailed).status, 429, 'the 11th attempt is refused even with the right code');
  d.clock.now += 299_000;
  t.equal(((await pair(d, { mode: 'code', code: right }).catch((e: unknown) => e)) as PairingFailed).status, 429, 'still locked');
  d.clock.now += 2_000;
  const owner = await pair(d, { mode: 'code', code: right });
  t.ok(owner.clientId, 'right code works after the lock-out');
});

t.test('QR mode is not locked out by code guesses', async (t) => {
  const d = await device(t, { limit: { maxAttempts: 2, windowMs: 60_000, lockoutMs: 300_000 } });
  for (let i = 0; i < 3; i++) await pair(d, { mode: 'code', code: '00000000' === d.service.shortCode() ? '11111111' : '00000000' }).catch(() => undefined);
  t.ok((await pair(d, qrCredential(d))).clientId);
});

t.test('a fake device (another identity, no secret) is detected by the phone', async (t) => {
  const real = await device(t);
  const fake = await device(t);
  const cred = qrCredential(real);
  // The phone scanned the real device's QR but reaches the fake one.
  await t.rejects(pairWithDevice({ baseUrl: fake.base, credential: cred, keyPair: await generateClientKeyPair(), clientName: 'p' }), /not the device in the QR code/);
  // Even claiming the right device id would not help: the fake does not know the secret, so cB fails.
  const cred2: PairingCredential = { ...cred, expectedDeviceId: fake.identity.deviceId } as PairingCredential;
  await t.rejects(pairWithDevice({ baseUrl: fake.base, credential: cred2, keyPair: await generateClientKeyPair(), clientName: 'p' }), /code does not match/);
  t.equal(fake.clients.list().length, 0);
});

t.test('malformed pairing requests get clear 400s', async (t) => {
  const d = await device(t);
  const post = (body: unknown) => fetch(`${d.base}/v1/pair/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const keyRaw = toBase64Url(await exportPublicKeyRaw((await generateClientKeyPair()).publicKey));
  t.equal((await post({ v: 2, mode: 'code' })).status, 400, 'schema');
  const badPoint = await post({ v: 1, mode: 'code', clientPublicKey: keyRaw, clientName: 'x', pA: toBase64Url(new Uint8Array(32).fill(0xff)) });
  t.equal(badPoint.status, 400);
  t.match(await badPoint.json(), { code: 'HEARTH_PAIR_BAD_MESSAGE' });
  const badKey = await post({ v: 1, mode: 'code', clientPublicKey: toBase64Url(new Uint8Array(65).fill(4)), clientName: 'x', pA: toBase64Url(PAIRING_SUITE.G.toBytes()) });
  t.equal(badKey.status, 400);
  t.match(await badKey.json(), { code: 'HEARTH_PAIR_BAD_KEY' });
});

import t from 'tap';
import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { loadOrCreateDeviceIdentity, DeviceIdentityError, DEVICE_ID_FILE, DEVICE_KEY_FILE } from '../../src/identity/device-identity.js';
import { deviceIdFromPublicKey, DEVICE_ID_PATTERN } from '../../src/identity/device-id.js';
import { loadOrCreatePairingSecret, shortCodeFromSecret, PAIRING_SECRET_FILE } from '../../src/identity/pairing-secret.js';
import { toBase32, toBase64Url } from '../../src/client-auth/encoding.js';

const logger = pino({ level: 'silent' });

async function tempDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-identity-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('device id: base32 of the first 16 bytes of sha256(public key)', async (t) => {
  const pk = ed25519.getPublicKey(ed25519.utils.randomSecretKey());
  const id = deviceIdFromPublicKey(pk);
  t.match(id, DEVICE_ID_PATTERN);
  t.equal(id, toBase32(sha256(pk).slice(0, 16)));
  // RFC 4648 test vector for the base32 encoder itself (lower-cased, no padding).
  t.equal(toBase32(new TextEncoder().encode('foobar')), 'mzxw6ytboi');
  t.throws(() => deviceIdFromPublicKey(new Uint8Array(31)), /32 bytes/);
});

t.test('identity is created once, 0600, and the same identity is loaded again', async (t) => {
  const dir = await tempDir(t);
  const a = await loadOrCreateDeviceIdentity({ dir, logger });
  const mode = (await stat(join(dir, DEVICE_KEY_FILE))).mode & 0o777;
  t.equal(mode, 0o600, 'key file is 0600');
  const b = await loadOrCreateDeviceIdentity({ dir, logger });
  t.equal(b.deviceId, a.deviceId);
  t.same(b.publicKey, a.publicKey);
  const msg = new TextEncoder().encode('hello');
  t.ok(ed25519.verify(b.sign(msg), msg, a.publicKey), 'reloaded key signs for the same public key');
});

t.test('the device ID is published beside the key in plain text (for the hostname), and repaired on load', async (t) => {
  const dir = await tempDir(t);
  const a = await loadOrCreateDeviceIdentity({ dir, logger });
  const idFile = join(dir, DEVICE_ID_FILE);
  t.equal(await readFile(idFile, 'utf8'), `${a.deviceId}\n`);
  t.equal((await stat(idFile)).mode & 0o777, 0o644, 'public: 0644');
  await writeFile(idFile, 'stale\n');
  await loadOrCreateDeviceIdentity({ dir, logger });
  t.equal(await readFile(idFile, 'utf8'), `${a.deviceId}\n`, 'a wrong file is rewritten from the key');
});

t.test('loose permissions are tightened on load', async (t) => {
  const dir = await tempDir(t);
  await loadOrCreateDeviceIdentity({ dir, logger });
  await chmod(join(dir, DEVICE_KEY_FILE), 0o644);
  await loadOrCreateDeviceIdentity({ dir, logger });
  t.equal((await stat(join(dir, DEVICE_KEY_FILE))).mode & 0o777, 0o600);
});

t.test('a corrupt key file is a clear error and is left untouched', async (t) => {
  const dir = await tempDir(t);
  const first = await loadOrCreateDeviceIdentity({ dir, logger });
  const path = join(dir, DEVICE_KEY_FILE);
  const good = JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
  const cases: [string, string, RegExp][] = [
    ['truncated JSON', '{"v":1,"alg":"ed2', /not valid JSON/],
    ['wrong shape', JSON.stringify({ ...good, alg: 'rsa' }), /corrupt: \/alg/],
    ['mismatched public key', JSON.stringify({ ...good, publicKey: toBase64Url(ed25519.getPublicKey(ed25519.utils.randomSecretKey())) }), /does not match/],
    ['empty file', '', /not valid JSON/],
  ];
  for (const [name, text, re] of cases) {
    await writeFile(path, text, { mode: 0o600 });
    await t.rejects(loadOrCreateDeviceIdentity({ dir, logger }), re, name);
    await t.rejects(loadOrCreateDeviceIdentity({ dir, logger }), DeviceIdentityError, `${name}: typed error`);
    t.equal(await readFile(path, 'utf8'), text, `${name}: file not replaced by a new identity`);
  }
  await writeFile(path, JSON.stringify(good));
  t.equal((await loadOrCreateDeviceIdentity({ dir, logger })).deviceId, first.deviceId, 'restored file loads the original identity');
});

t.test('pairing secret: generated, persisted 0600, stable; short code is 8 digits', async (t) => {
  const dir = await tempDir(t);
  const s1 = await loadOrCreatePairingSecret({ dir, logger });
  t.equal(s1.length, 32);
  t.equal((await stat(join(dir, PAIRING_SECRET_FILE))).mode & 0o777, 0o600);
  const s2 = await loadOrCreatePairingSecret({ dir, logger, provisioningFile: join(dir, 'nope') });
  t.same(s2, s1, 'stored secret wins');
  t.match(shortCodeFromSecret(s1), /^\d{8}$/);
  t.equal(shortCodeFromSecret(s1), shortCodeFromSecret(s2));
});

t.test('pairing secret: taken from a provisioning file; bad files are refused with the file named', async (t) => {
  const dir = await tempDir(t);
  const prov = join(dir, 'hearth-pairing-secret');
  const secret = new Uint8Array(20).map((_, i) => i + 1);
  await writeFile(prov, toBase64Url(secret) + '\n');
  t.same(await loadOrCreatePairingSecret({ dir: join(dir, 'state'), provisioningFile: prov, logger }), secret);

  const dir2 = join(dir, 'state2');
  await writeFile(prov, toBase64Url(new Uint8Array(8)));
  await t.rejects(loadOrCreatePairingSecret({ dir: dir2, provisioningFile: prov, logger }), /hearth-pairing-secret: 64 bits is too short/);
  await writeFile(prov, 'not base64!');
  await t.rejects(loadOrCreatePairingSecret({ dir: dir2, provisioningFile: prov, logger }), /expected one line of base64url/);
  await t.rejects(stat(join(dir2, PAIRING_SECRET_FILE)), /ENOENT/, 'nothing written after a bad provisioning file');
});

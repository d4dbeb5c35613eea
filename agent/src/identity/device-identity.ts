// The device's long-term Ed25519 identity: made once on first start, then loaded on every start.
// A key file that exists but cannot be read back exactly is an error, never a reason to mint a new identity:
// a new key would silently change the device ID, break the owner's pinned key and orphan the relay name.
import { readFile, chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Logger } from 'pino';
import { writeFileAtomic, writeJsonAtomic } from '../state/atomic-file.js';
import { fromBase64Url, toBase64Url, constantTimeEqual } from '../client-auth/encoding.js';
import { deviceIdFromPublicKey } from './device-id.js';

export const DEVICE_KEY_FILE = 'device-key.json';
/** The device ID in plain text beside the key, for the OS side (firmware-hooks names the host after it) so nothing
 *  else needs to read the secret key file. Public: 0644. Rewritten only when it differs. */
export const DEVICE_ID_FILE = 'device-id';

const KeyFileSchema = Type.Object(
  {
    v: Type.Literal(1),
    alg: Type.Literal('ed25519'),
    secretKey: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    publicKey: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
  },
  { additionalProperties: false },
);
type KeyFile = Static<typeof KeyFileSchema>;

export class DeviceIdentityError extends Error {
  override name = 'DeviceIdentityError';
}

export interface DeviceIdentity {
  readonly publicKey: Uint8Array;
  readonly deviceId: string;
  sign(message: Uint8Array): Uint8Array;
  /** The raw key pair, for the relay tunnel's login only (it signs with the seed itself). Never log or store it. */
  tunnelKeyPair(): { publicKey: Uint8Array; secretKey: Uint8Array };
}

export interface DeviceIdentityOptions {
  /** Folder for identity state (created if missing); the key file inside is 0600. */
  dir: string;
  logger: Logger;
}

function identityFrom(secretKey: Uint8Array): DeviceIdentity {
  const publicKey = ed25519.getPublicKey(secretKey);
  return {
    publicKey,
    deviceId: deviceIdFromPublicKey(publicKey),
    sign: (message) => ed25519.sign(message, secretKey),
    tunnelKeyPair: () => ({ publicKey, secretKey }),
  };
}

/** Loads the identity from `<dir>/device-key.json`, creating it only when the file does not exist at all. */
export async function loadOrCreateDeviceIdentity(opts: DeviceIdentityOptions): Promise<DeviceIdentity> {
  const path = join(opts.dir, DEVICE_KEY_FILE);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new DeviceIdentityError(`device key ${path}: cannot read (${(err as Error).message})`, { cause: err });
    }
  }
  if (text === undefined) {
    const secretKey = ed25519.utils.randomSecretKey();
    const identity = identityFrom(secretKey);
    const file: KeyFile = { v: 1, alg: 'ed25519', secretKey: toBase64Url(secretKey), publicKey: toBase64Url(identity.publicKey) };
    await writeJsonAtomic(path, file, { mode: 0o600 });
    opts.logger.info({ deviceId: identity.deviceId }, 'created device identity');
    await publishDeviceId(opts.dir, identity.deviceId);
    return identity;
  }
  const identity = parseKeyFile(path, text);
  const mode = (await stat(path)).mode & 0o777;
  if (mode & 0o077) {
    // Someone loosened the permissions; tighten them rather than keep a readable secret around.
    opts.logger.warn({ path, mode: mode.toString(8) }, 'device key file was readable by others; setting 0600');
    await chmod(path, 0o600);
  }
  opts.logger.info({ deviceId: identity.deviceId }, 'loaded device identity');
  await publishDeviceId(opts.dir, identity.deviceId);
  return identity;
}

async function publishDeviceId(dir: string, deviceId: string): Promise<void> {
  const path = join(dir, DEVICE_ID_FILE);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current !== `${deviceId}\n`) await writeFileAtomic(path, `${deviceId}\n`, { mode: 0o644 });
}

function parseKeyFile(path: string, text: string): DeviceIdentity {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DeviceIdentityError(`device key ${path} is corrupt: not valid JSON. Refusing to create a new identity; restore the file or reset the device.`);
  }
  if (!Value.Check(KeyFileSchema, json)) {
    const first = [...Value.Errors(KeyFileSchema, json)][0];
    throw new DeviceIdentityError(`device key ${path} is corrupt: ${first ? `${first.path || '/'} ${first.message}` : 'unexpected shape'}. Refusing to create a new identity.`);
  }
  const identity = identityFrom(fromBase64Url(json.secretKey, 'secretKey'));
  if (!constantTimeEqual(identity.publicKey, fromBase64Url(json.publicKey, 'publicKey'))) {
    throw new DeviceIdentityError(`device key ${path} is corrupt: the public key does not match the secret key. Refusing to create a new identity.`);
  }
  return identity;
}

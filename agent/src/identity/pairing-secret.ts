// The pairing secret (≥ 128 bits): what the QR code carries, and the seed of the short numeric code.
// Source, in order: the copy already in the data dir; else a provisioning file written by the flasher or
// cloud-init (copied into the data dir on first start); else 32 fresh random bytes. Stored 0600.
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { writeFileAtomic } from '../state/atomic-file.js';
import { fromBase64Url, toBase64Url, utf8 } from '../client-auth/encoding.js';

export const PAIRING_SECRET_FILE = 'pairing-secret';
export const MIN_SECRET_BYTES = 16;
export const SHORT_CODE_DIGITS = 8;

export interface PairingSecretOptions {
  dir: string;
  /** Optional provisioning file (one line: the secret in base64url, ≥ 16 bytes). */
  provisioningFile?: string;
  logger: Logger;
}

/** Parses the one-line secret format; throws an error naming the source when it is malformed or too short. */
export function parseSecretText(text: string, source: string): Uint8Array {
  const line = text.trim();
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(line, source);
  } catch {
    throw new Error(`pairing secret ${source}: expected one line of base64url, got something else`);
  }
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new Error(`pairing secret ${source}: ${bytes.length * 8} bits is too short (need at least ${MIN_SECRET_BYTES * 8})`);
  }
  return bytes;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function loadOrCreatePairingSecret(opts: PairingSecretOptions): Promise<Uint8Array> {
  const path = join(opts.dir, PAIRING_SECRET_FILE);
  const stored = await readIfExists(path);
  if (stored !== undefined) return parseSecretText(stored, path);
  let secret: Uint8Array;
  const provisioned = opts.provisioningFile ? await readIfExists(opts.provisioningFile) : undefined;
  if (provisioned !== undefined) {
    secret = parseSecretText(provisioned, opts.provisioningFile!);
    opts.logger.info({ from: opts.provisioningFile }, 'pairing secret taken from provisioning file');
  } else {
    secret = new Uint8Array(randomBytes(32));
    opts.logger.info('pairing secret generated');
  }
  await writeFileAtomic(path, toBase64Url(secret) + '\n', { mode: 0o600 });
  return secret;
}

/** The short code typed by hand: 8 decimal digits derived from the secret (so provisioning needs one value only). */
export function shortCodeFromSecret(secret: Uint8Array): string {
  const bytes = hkdf(sha256, secret, utf8('hearth short code v1'), undefined, 8);
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  // 2^64 / 10^8: the modulo bias is below 2^-37, irrelevant next to the code's 26.6 bits.
  return (n % 10n ** BigInt(SHORT_CODE_DIGITS)).toString().padStart(SHORT_CODE_DIGITS, '0');
}

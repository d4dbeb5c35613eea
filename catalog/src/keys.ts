// Catalog signing keys: Ed25519. The private key file is JSON, 0600; the public key (base64url, 32 bytes) is what
// devices pin. Losing the private key means shipping devices a new pinned key, so keep it offline.
import { readFile, writeFile } from 'node:fs/promises';
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromBase64Url, toBase64Url } from '../../agent/src/client-auth/encoding.js';

export interface CatalogKey {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export function generateCatalogKey(): CatalogKey {
  const secretKey = ed25519.utils.randomSecretKey();
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

export async function writeKeyFile(path: string, key: CatalogKey): Promise<void> {
  const body = { v: 1, alg: 'ed25519', kind: 'hearth-catalog-key', secretKey: toBase64Url(key.secretKey), publicKey: toBase64Url(key.publicKey) };
  // 'wx': never overwrite an existing key by accident.
  await writeFile(path, JSON.stringify(body, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
}

export async function readKeyFile(path: string): Promise<CatalogKey> {
  let json: { v?: unknown; alg?: unknown; secretKey?: unknown; publicKey?: unknown };
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as typeof json;
  } catch (err) {
    throw new Error(`catalog key ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not valid JSON'}`, { cause: err });
  }
  if (json.v !== 1 || json.alg !== 'ed25519' || typeof json.secretKey !== 'string' || typeof json.publicKey !== 'string') {
    throw new Error(`catalog key ${path}: not a hearth catalog key file (expected {v:1, alg:"ed25519", secretKey, publicKey})`);
  }
  const secretKey = fromBase64Url(json.secretKey, `catalog key ${path} secretKey`);
  const publicKey = ed25519.getPublicKey(secretKey);
  if (toBase64Url(publicKey) !== json.publicKey) throw new Error(`catalog key ${path}: publicKey does not match secretKey`);
  return { secretKey, publicKey };
}

export function signBytes(key: CatalogKey, bytes: Uint8Array): string {
  return toBase64Url(ed25519.sign(bytes, key.secretKey));
}

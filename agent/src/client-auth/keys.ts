// Client keys: ECDSA P-256, because it is the curve every browser's WebCrypto can hold as a non-extractable
// key (Ed25519 in WebCrypto is too recent to rely on in a PWA). The public key travels as the 65-byte raw
// (uncompressed SEC1) encoding; the client id is derived from it the same way as the device id.
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase32 } from './encoding.js';

export const CLIENT_KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const CLIENT_SIGN_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
export const CLIENT_ID_PATTERN = /^[a-z2-7]{26}$/;

/** A new client key pair; the private key is non-extractable by default (it never leaves the browser's key store). */
export async function generateClientKeyPair(extractable = false, subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(CLIENT_KEY_ALGORITHM, extractable, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function exportPublicKeyRaw(publicKey: CryptoKey, subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<Uint8Array> {
  return new Uint8Array(await subtle.exportKey('raw', publicKey));
}

export function clientIdFromPublicKey(raw: Uint8Array): string {
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('client public key: expected a 65-byte uncompressed P-256 point');
  return toBase32(sha256(raw).subarray(0, 16));
}

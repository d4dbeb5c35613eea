// The device ID, shared with the relay (relay/ and agent/src/tunnel/ import this): base32 (lower case, no padding)
// of the first 16 bytes of sha256(Ed25519 public key). 26 characters, a valid DNS label, derived from the key so
// nobody can claim an ID without holding its key. Browser-safe (the phone checks the ID from the QR code).
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase32 } from '../client-auth/encoding.js';

export const DEVICE_ID_PATTERN = /^[a-z2-7]{26}$/;

export function deviceIdFromPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new Error(`device public key: expected 32 bytes (Ed25519), got ${publicKey.length}`);
  return toBase32(sha256(publicKey).subarray(0, 16));
}

// A device's identity on relays is derived from its Ed25519 public key, so no registry is needed to hand out IDs
// and a relay can check a claimed ID by checking a signature. The ID must also be a DNS label (it becomes
// `<id>.<relay zone>`): lowercase base32 without padding of the first 16 bytes of sha256(pubkey) is 26 chars of [a-z2-7].
import { createHash } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
export const DEVICE_ID_PATTERN = /^[a-z2-7]{26}$/;

export function base32Lower(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function deviceIdFromPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new Error(`device public key must be 32 bytes (Ed25519), got ${publicKey.length}`);
  const digest = createHash('sha256').update(publicKey).digest();
  return base32Lower(digest.subarray(0, 16));
}

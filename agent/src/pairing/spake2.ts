// SPAKE2 (RFC 9382), pure and browser-safe: the device (role B) and the phone (role A) both run this file.
// Ciphersuite used by Hearth: SPAKE2-edwards25519-SHA256-HKDF-HMAC. P-256 is implemented too, only so the
// RFC's published test vectors (Appendix B, P-256) can check the transcript, key schedule and MACs here.
//
//   A: pA = w*M + x*G          B: pB = w*N + y*G
//   A: K = h*x*(pB - w*N)      B: K = h*y*(pA - w*M)
//   TT = len(A)||A || len(B)||B || len(pA)||pA || len(pB)||pB || len(K)||K || len(w)||w   (len: 8-byte LE)
//   Ke||Ka = SHA256(TT);  KcA||KcB = HKDF(Ka, salt=nil, info="ConfirmationKeys"||AAD, 32)
//   cA = HMAC(KcA, TT);   cB = HMAC(KcB, TT)
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import { constantTimeEqual, utf8 } from '../client-auth/encoding.js';

export interface SuitePoint<P> {
  add(other: P): P;
  subtract(other: P): P;
  multiply(scalar: bigint): P;
  is0(): boolean;
}

export interface Spake2Suite<P extends SuitePoint<P>> {
  name: string;
  G: P;
  M: P;
  N: P;
  order: bigint;
  cofactor: bigint;
  /** Byte length of an encoded scalar (w in the transcript, big-endian). */
  scalarBytes: number;
  encode(point: P): Uint8Array;
  /** Decodes and validates a peer's element; throws on anything that is not a point of the group. */
  decode(bytes: Uint8Array): P;
}

type EdPoint = InstanceType<typeof ed25519.Point>;
type P256Point = InstanceType<typeof p256.Point>;

export const EDWARDS25519: Spake2Suite<EdPoint> = {
  name: 'SPAKE2-edwards25519-SHA256-HKDF-HMAC',
  G: ed25519.Point.BASE,
  // RFC 9382 §6, generated from the seeds "edwards25519 point generation seed (M)" / "(N)".
  M: ed25519.Point.fromBytes(hexToBytes('d048032c6ea0b6d697ddc2e86bda85a33adac920f1bf18e1b0c6d166a5cecdaf')),
  N: ed25519.Point.fromBytes(hexToBytes('d3bfb518f44f3430f29d0c92af503865a1ed3281dc69b35dd868ba85f886c4ab')),
  order: ed25519.Point.Fn.ORDER,
  cofactor: 8n,
  scalarBytes: 32,
  encode: (p) => p.toBytes(),
  decode: (b) => {
    if (b.length !== 32) throw new Error(`SPAKE2: expected a 32-byte edwards25519 element, got ${b.length} bytes`);
    return ed25519.Point.fromBytes(b);
  },
};

export const P256: Spake2Suite<P256Point> = {
  name: 'SPAKE2-P256-SHA256-HKDF-HMAC',
  G: p256.Point.BASE,
  M: p256.Point.fromBytes(hexToBytes('02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f')),
  N: p256.Point.fromBytes(hexToBytes('03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49')),
  order: p256.Point.Fn.ORDER,
  cofactor: 1n,
  scalarBytes: 32,
  encode: (p) => p.toBytes(false),
  decode: (b) => p256.Point.fromBytes(b),
};

export type Role = 'A' | 'B';

export interface Spake2Options<P extends SuitePoint<P>> {
  suite: Spake2Suite<P>;
  role: Role;
  /** Password scalar, 0 < w < order (see passwordToScalar). */
  w: bigint;
  aad?: Uint8Array;
  /** Only for known-answer tests; otherwise a fresh random scalar. */
  secretScalar?: bigint;
}

export interface Spake2Keys {
  /** The shared secret for the session (16 bytes). */
  Ke: Uint8Array;
  transcript: Uint8Array;
  /** Our key-confirmation MAC, to send. */
  confirmation: Uint8Array;
  /** Checks the peer's MAC in constant time. */
  verifyPeer(mac: Uint8Array): boolean;
}

export interface Spake2Session {
  /** pA (role A) or pB (role B), to send to the peer. */
  message: Uint8Array;
  /** idA/idB go into the transcript only, so they may be learned from the peer's first message. */
  finish(peerMessage: Uint8Array, ids: { idA: Uint8Array; idB: Uint8Array }): Spake2Keys;
}

export class Spake2Error extends Error {
  override name = 'Spake2Error';
}

function bigintFromBytes(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function bigintToBytes(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** Uniform scalar in [1, order): 64 extra bits before the reduction make the bias negligible. */
export function randomScalar(order: bigint): bigint {
  const bytes = new Uint8Array(Math.ceil(order.toString(2).length / 8) + 8);
  globalThis.crypto.getRandomValues(bytes);
  return (bigintFromBytes(bytes) % (order - 1n)) + 1n;
}

/**
 * Password → w. RFC 9382 asks for a memory-hard function because a server storing w could leak it; the Hearth
 * device holds the pairing secret itself (SPAKE2 is not augmented), so the MHF would add no protection, only
 * delay on slow phones. HKDF-SHA256 to 48 bytes, reduced mod the order (bias below 2^-128).
 */
export function passwordToScalar(password: Uint8Array, suiteName: string, order: bigint): bigint {
  const okm = hkdf(sha256, password, utf8('hearth spake2 w v1'), utf8(suiteName), 48);
  const w = bigintFromBytes(okm) % order;
  if (w === 0n) throw new Spake2Error('SPAKE2: password maps to the zero scalar');
  return w;
}

function lengthPrefixed(...parts: Uint8Array[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(part.length), true);
    chunks.push(len, part);
  }
  return concatBytes(...chunks);
}

export function startSpake2<P extends SuitePoint<P>>(opts: Spake2Options<P>): Spake2Session {
  const { suite, role, w } = opts;
  if (w <= 0n || w >= suite.order) throw new Spake2Error('SPAKE2: w out of range');
  const secret = opts.secretScalar ?? randomScalar(suite.order);
  const ownBlind = role === 'A' ? suite.M : suite.N;
  const peerBlind = role === 'A' ? suite.N : suite.M;
  const message = suite.encode(suite.G.multiply(secret).add(ownBlind.multiply(w)));
  return {
    message,
    finish(peerMessage, ids) {
      let peer: P;
      try {
        peer = suite.decode(peerMessage);
      } catch (err) {
        throw new Spake2Error(`SPAKE2: peer message is not a valid group element (${(err as Error).message})`);
      }
      let K = peer.subtract(peerBlind.multiply(w)).multiply(secret);
      if (suite.cofactor !== 1n) K = K.multiply(suite.cofactor);
      if (K.is0()) throw new Spake2Error('SPAKE2: peer message gives the identity element');
      const [pA, pB] = role === 'A' ? [message, peerMessage] : [peerMessage, message];
      const transcript = lengthPrefixed(ids.idA, ids.idB, pA, pB, suite.encode(K), bigintToBytes(w, suite.scalarBytes));
      const digest = sha256(transcript);
      const Ke = digest.slice(0, 16);
      const Ka = digest.slice(16);
      const kc = hkdf(sha256, Ka, undefined, concatBytes(utf8('ConfirmationKeys'), opts.aad ?? new Uint8Array()), 32);
      const KcA = kc.slice(0, 16);
      const KcB = kc.slice(16);
      const cA = hmac(sha256, KcA, transcript);
      const cB = hmac(sha256, KcB, transcript);
      const [own, expected] = role === 'A' ? [cA, cB] : [cB, cA];
      return { Ke, transcript, confirmation: own, verifyPeer: (mac) => constantTimeEqual(mac, expected) };
    },
  };
}

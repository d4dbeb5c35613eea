// The decision for one signed admin request, separate from fastify so it can be tested as a function.
// Order matters: cheap header checks, then who (unknown → 401, revoked → 403), then time, then the signature,
// and only after a valid signature the nonce is recorded (so forged requests cannot fill the replay cache).
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { AUTH_HEADERS, canonicalRequest } from '../client-auth/canonical.js';
import { CLIENT_ID_PATTERN } from '../client-auth/keys.js';
import type { ReplayCache } from './replay-cache.js';

export interface AuthDeps {
  /** Active client's key, undefined if unknown or revoked. */
  publicKeyOf(id: string): KeyObject | undefined;
  isRevoked(id: string): boolean;
  replay: ReplayCache;
  now: () => number;
  skewMs: number;
}

export interface SignedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  bodySha256: string;
}

export type AuthResult =
  | { ok: true; clientId: string }
  | { ok: false; status: 401 | 403 | 429; code: string; message: string };

const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{86}$/;

function header(h: SignedRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return typeof v === 'string' ? v : undefined;
}

const deny = (status: 401 | 403 | 429, code: string, message: string): AuthResult => ({ ok: false, status, code, message });

export function verifySignedRequest(req: SignedRequest, deps: AuthDeps): AuthResult {
  const keyId = header(req.headers, AUTH_HEADERS.keyId);
  const timestamp = header(req.headers, AUTH_HEADERS.timestamp);
  const nonce = header(req.headers, AUTH_HEADERS.nonce);
  const signature = header(req.headers, AUTH_HEADERS.signature);
  if (!keyId || !timestamp || !nonce || !signature) {
    return deny(401, 'HEARTH_AUTH_MISSING', `signed request required: headers ${Object.values(AUTH_HEADERS).join(', ')}`);
  }
  if (!CLIENT_ID_PATTERN.test(keyId)) return deny(401, 'HEARTH_AUTH_BAD_KEY_ID', `${AUTH_HEADERS.keyId} is malformed`);
  if (!/^\d{1,16}$/.test(timestamp)) return deny(401, 'HEARTH_AUTH_BAD_TIMESTAMP', `${AUTH_HEADERS.timestamp} must be milliseconds since the epoch`);
  if (!NONCE_PATTERN.test(nonce)) return deny(401, 'HEARTH_AUTH_BAD_NONCE', `${AUTH_HEADERS.nonce} must be 16-64 base64url characters`);
  if (!SIGNATURE_PATTERN.test(signature)) return deny(401, 'HEARTH_AUTH_BAD_SIGNATURE', `${AUTH_HEADERS.signature} must be a base64url P-256 signature`);

  const key = deps.publicKeyOf(keyId);
  if (!key) {
    if (deps.isRevoked(keyId)) return deny(403, 'HEARTH_AUTH_REVOKED', 'this client has been revoked');
    return deny(401, 'HEARTH_AUTH_UNKNOWN_KEY', 'unknown client key');
  }
  const skew = Math.abs(deps.now() - Number(timestamp));
  if (skew > deps.skewMs) {
    return deny(401, 'HEARTH_AUTH_EXPIRED', `request timestamp is ${Math.round(skew / 1000)} s away from device time (limit ${deps.skewMs / 1000} s)`);
  }
  const text = canonicalRequest({ method: req.method, url: req.url, bodySha256: req.bodySha256, timestamp, nonce, keyId });
  const good = cryptoVerify('sha256', Buffer.from(text), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!good) return deny(401, 'HEARTH_AUTH_BAD_SIGNATURE', 'signature does not match the request');
  const seen = deps.replay.remember(`${keyId}:${nonce}`);
  if (seen === 'replay') return deny(401, 'HEARTH_AUTH_REPLAY', 'nonce already used (replayed request)');
  if (seen === 'full') return deny(429, 'HEARTH_AUTH_BUSY', 'too many signed requests in the time window; retry shortly');
  return { ok: true, clientId: keyId };
}

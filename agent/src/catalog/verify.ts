// Pure checks on catalog bytes. Order: signature over the raw bytes first, with the pinned key; only a
// signed document is parsed as JSON and checked against the schema; then the rollback rule.
import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { Value } from '@sinclair/typebox/value';
import { fromBase64Url } from '../client-auth/encoding.js';
import { CatalogIndex, type CatalogEntry } from './index-schema.js';

export class CatalogError extends Error {
  override name = 'CatalogError';
  constructor(
    readonly code: 'BAD_SIGNATURE' | 'BAD_INDEX' | 'ROLLBACK' | 'BAD_COMPOSE' | 'FETCH',
    message: string,
  ) {
    super(message);
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function parsePublicKey(text: string): Uint8Array {
  const key = fromBase64Url(text.trim(), 'catalog public key');
  if (key.length !== 32) throw new Error(`catalog public key: expected 32 bytes (Ed25519), got ${key.length}`);
  return key;
}

export function verifyIndexSignature(indexBytes: Uint8Array, signatureText: string, publicKey: Uint8Array): void {
  let sig: Uint8Array;
  try {
    sig = fromBase64Url(signatureText.trim(), 'signature');
  } catch {
    throw new CatalogError('BAD_SIGNATURE', 'catalog signature file is not base64url');
  }
  let ok = false;
  try {
    ok = sig.length === 64 && ed25519.verify(sig, indexBytes, publicKey);
  } catch {
    ok = false;
  }
  if (!ok) throw new CatalogError('BAD_SIGNATURE', 'catalog index signature does not verify with the pinned catalog key (tampered, or signed by another key)');
}

/** Verifies and parses an index; throws CatalogError naming what is wrong. */
export function verifyIndex(indexBytes: Uint8Array, signatureText: string, publicKey: Uint8Array): CatalogIndex {
  verifyIndexSignature(indexBytes, signatureText, publicKey);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(indexBytes));
  } catch (err) {
    throw new CatalogError('BAD_INDEX', `catalog index is not valid JSON: ${(err as Error).message}`);
  }
  if (!Value.Check(CatalogIndex, json)) {
    const first = [...Value.Errors(CatalogIndex, json)][0];
    throw new CatalogError('BAD_INDEX', `catalog index is malformed: ${first ? `${first.path || '/'} ${first.message}` : 'unexpected shape'}`);
  }
  const ids = new Set<string>();
  for (const app of json.apps) {
    if (ids.has(app.id)) throw new CatalogError('BAD_INDEX', `catalog index lists app ${app.id} twice`);
    if (app.composeUrl !== `apps/${app.id}/compose.yaml`) throw new CatalogError('BAD_INDEX', `catalog app ${app.id}: composeUrl must be apps/${app.id}/compose.yaml`);
    ids.add(app.id);
  }
  return json;
}

export interface AcceptedState {
  version: number;
  sha256: string;
}

/** Rollback rule: lower versions are refused; the same version is accepted only with the same bytes. */
export function checkFreshness(index: CatalogIndex, indexSha256: string, last: AcceptedState | undefined): void {
  if (!last) return;
  if (index.version < last.version) {
    throw new CatalogError('ROLLBACK', `catalog index version ${index.version} is older than the last accepted version ${last.version} (rollback refused)`);
  }
  if (index.version === last.version && indexSha256 !== last.sha256) {
    throw new CatalogError('ROLLBACK', `catalog index version ${index.version} has different content than the one accepted before (a new index needs a new version)`);
  }
}

export function verifyCompose(entry: CatalogEntry, bytes: Uint8Array): void {
  const actual = sha256Hex(bytes);
  if (actual !== entry.sha256) {
    throw new CatalogError('BAD_COMPOSE', `compose file of ${entry.id} does not match the signed index (sha256 ${actual}, expected ${entry.sha256})`);
  }
}

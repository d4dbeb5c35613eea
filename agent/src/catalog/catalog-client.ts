// Device side of the app catalog: fetches the signed index and app compose files over HTTP(S) and hands out
// only verified bytes. The last accepted index version is persisted (atomically) so an attacker replaying an
// old, validly signed index (with a vulnerable app version) is refused even across restarts.
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Logger } from 'pino';
import { readJsonFile, writeJsonAtomic } from '../state/atomic-file.js';
import { CATALOG_INDEX_FILE, CATALOG_SIGNATURE_FILE, type CatalogEntry, type CatalogIndex } from './index-schema.js';
import { CatalogError, checkFreshness, sha256Hex, verifyCompose, verifyIndex, type AcceptedState } from './verify.js';

const StateSchema = Type.Object({ v: Type.Literal(1), version: Type.Integer({ minimum: 1 }), sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) });

export interface CatalogClientOptions {
  /** Base URL of the catalog folder (index.json, index.json.sig and apps/ live under it). */
  baseUrl: string;
  publicKey: Uint8Array;
  /** Where the last accepted version is kept. */
  statePath: string;
  logger: Logger;
  fetch?: typeof fetch;
  maxIndexBytes?: number;
  maxComposeBytes?: number;
}

export class CatalogClient {
  private readonly base: URL;
  private readonly fetchFn: typeof fetch;
  private index: CatalogIndex | undefined;

  constructor(private readonly opts: CatalogClientOptions) {
    this.base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
    this.fetchFn = opts.fetch ?? globalThis.fetch;
  }

  private async get(path: string, limit: number): Promise<Uint8Array> {
    const url = new URL(path, this.base);
    let res: Response;
    try {
      res = await this.fetchFn(url, { redirect: 'error' });
    } catch (err) {
      throw new CatalogError('FETCH', `catalog: cannot fetch ${url.href}: ${(err as Error).message}`);
    }
    if (!res.ok) throw new CatalogError('FETCH', `catalog: ${url.href} answered ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > limit) throw new CatalogError('FETCH', `catalog: ${url.href} is larger than ${limit} bytes`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > limit) throw new CatalogError('FETCH', `catalog: ${url.href} is larger than ${limit} bytes`);
    return bytes;
  }

  private async lastAccepted(): Promise<AcceptedState | undefined> {
    const json = await readJsonFile(this.opts.statePath);
    if (json === undefined) return undefined;
    if (!Value.Check(StateSchema, json)) throw new Error(`catalog state ${this.opts.statePath} is invalid; refusing to guess the last accepted version`);
    return { version: json.version, sha256: json.sha256 };
  }

  /** Downloads, verifies (signature → schema → rollback) and records the index. Nothing is written unless all pass. */
  async refresh(): Promise<CatalogIndex> {
    const [indexBytes, sig] = await Promise.all([
      this.get(CATALOG_INDEX_FILE, this.opts.maxIndexBytes ?? 4 * 1024 * 1024),
      this.get(CATALOG_SIGNATURE_FILE, 1024),
    ]);
    const index = verifyIndex(indexBytes, new TextDecoder().decode(sig), this.opts.publicKey);
    const digest = sha256Hex(indexBytes);
    const last = await this.lastAccepted();
    checkFreshness(index, digest, last);
    if (!last || last.version !== index.version) {
      await writeJsonAtomic(this.opts.statePath, { v: 1, version: index.version, sha256: digest });
      this.opts.logger.info({ version: index.version, apps: index.apps.length }, 'catalog index accepted');
    }
    this.index = index;
    return index;
  }

  /** The compose text of one app, verified against the signed index (refresh() first). */
  async fetchCompose(id: string): Promise<{ entry: CatalogEntry; compose: string }> {
    const index = this.index ?? (await this.refresh());
    const entry = index.apps.find((a) => a.id === id);
    if (!entry) throw new CatalogError('BAD_INDEX', `catalog has no app "${id}"`);
    const bytes = await this.get(entry.composeUrl, this.opts.maxComposeBytes ?? 1024 * 1024);
    verifyCompose(entry, bytes);
    return { entry, compose: new TextDecoder().decode(bytes) };
  }
}

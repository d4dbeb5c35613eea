// The paired clients (the owner's phone, later devices approved by it): who may administer this device.
// One JSON file, rewritten atomically on every change; revocation takes effect for the very next request
// because the auth plugin reads this in-memory copy. Revoked entries are kept so they answer 403, not 401.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Logger } from 'pino';
import { readJsonFile, writeJsonAtomic } from '../state/atomic-file.js';
import { clientIdFromPublicKey } from '../client-auth/keys.js';
import { fromBase64Url, toBase64Url } from '../client-auth/encoding.js';

export const PairedClientSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z2-7]{26}$' }),
    name: Type.String({ minLength: 1, maxLength: 64 }),
    /** Raw uncompressed P-256 public key, base64url. */
    publicKey: Type.String({ pattern: '^[A-Za-z0-9_-]{87}$' }),
    addedAt: Type.String(),
    /** How it was paired: `code`, `qr` or `invite:<client id>`. */
    via: Type.String(),
    revokedAt: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type PairedClient = Static<typeof PairedClientSchema>;

const FileSchema = Type.Object({ v: Type.Literal(1), clients: Type.Array(PairedClientSchema) }, { additionalProperties: false });

/** SPKI DER prefix for an uncompressed P-256 point: lets node:crypto verify raw WebCrypto keys natively. */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

export function p256PublicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([P256_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export class ClientsStore {
  private clients: PairedClient[];
  private readonly keys = new Map<string, KeyObject>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly logger: Logger,
    private readonly now: () => number,
    clients: PairedClient[],
  ) {
    this.clients = clients;
  }

  static async open(opts: { path: string; logger: Logger; now?: () => number }): Promise<ClientsStore> {
    const json = await readJsonFile(opts.path);
    let clients: PairedClient[] = [];
    if (json !== undefined) {
      if (!Value.Check(FileSchema, json)) {
        const first = [...Value.Errors(FileSchema, json)][0];
        throw new Error(`clients file ${opts.path} is invalid: ${first ? `${first.path || '/'} ${first.message}` : 'unexpected shape'}`);
      }
      clients = json.clients;
    }
    return new ClientsStore(opts.path, opts.logger, opts.now ?? Date.now, clients);
  }

  list(): PairedClient[] {
    return this.clients.map((c) => ({ ...c }));
  }

  get(id: string): PairedClient | undefined {
    return this.clients.find((c) => c.id === id);
  }

  hasActive(): boolean {
    return this.clients.some((c) => c.revokedAt === undefined);
  }

  /** The verification key for an active client; undefined for unknown or revoked ids. */
  publicKeyOf(id: string): KeyObject | undefined {
    const client = this.get(id);
    if (!client || client.revokedAt !== undefined) return undefined;
    let key = this.keys.get(id);
    if (!key) {
      key = p256PublicKeyObject(fromBase64Url(client.publicKey));
      this.keys.set(id, key);
    }
    return key;
  }

  async add(input: { name: string; publicKey: Uint8Array; via: string }): Promise<PairedClient> {
    return this.mutate(() => {
      p256PublicKeyObject(input.publicKey); // throws on a point that is not on the curve
      const id = clientIdFromPublicKey(input.publicKey);
      const client: PairedClient = {
        id,
        name: input.name,
        publicKey: toBase64Url(input.publicKey),
        addedAt: new Date(this.now()).toISOString(),
        via: input.via,
      };
      // Re-pairing a previously revoked key makes it active again with the new details.
      return { next: [...this.clients.filter((c) => c.id !== id), client], result: client };
    });
  }

  /** Revokes one client; returns false when the id is unknown. */
  async revoke(id: string): Promise<boolean> {
    return this.mutate(() => {
      const found = this.clients.some((c) => c.id === id && c.revokedAt === undefined);
      const at = new Date(this.now()).toISOString();
      const next = this.clients.map((c) => (c.id === id && c.revokedAt === undefined ? { ...c, revokedAt: at } : c));
      return { next, result: found };
    });
  }

  /** Physical reset: every client loses access at once. */
  async revokeAll(): Promise<number> {
    return this.mutate(() => {
      const at = new Date(this.now()).toISOString();
      let count = 0;
      const next = this.clients.map((c) => {
        if (c.revokedAt !== undefined) return c;
        count++;
        return { ...c, revokedAt: at };
      });
      return { next, result: count };
    });
  }

  /** Serialises changes; memory changes only after the file is safely on disk, so a failed write changes nothing. */
  private mutate<T>(change: () => { next: PairedClient[]; result: T }): Promise<T> {
    const run = this.writing.then(async () => {
      const { next, result } = change();
      await writeJsonAtomic(this.path, { v: 1, clients: next }, { mode: 0o600 });
      this.clients = next;
      this.keys.clear();
      this.logger.info({ clients: next.filter((c) => !c.revokedAt).length }, 'paired clients updated');
      return result;
    });
    this.writing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

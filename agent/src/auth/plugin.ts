// Fastify plugin: every request in the scope it is registered on must be signed by an active paired client.
// Register it inside the admin routes' scope (it is wrapped with fastify-plugin, so its hook applies to
// that scope and its children, not to siblings such as the public pairing routes):
//
//   app.register(async (admin) => {
//     await admin.register(ownerAuth, { clients });
//     admin.get('/v1/apps', ...);   // request.hearthClient is set here
//   });
//
// Verification runs in preParsing: it reads the raw body once (bounded), hashes it, checks the signature,
// and only then hands the same bytes to fastify's body parser. No handler, parser or validator sees an
// unauthenticated request.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ClientsStore, PairedClient } from './clients-store.js';
import { ReplayCache } from './replay-cache.js';
import { verifySignedRequest } from './verify-request.js';
import { HttpError } from './http-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The paired client that signed this request (set by the owner-auth plugin). */
    hearthClient: PairedClient | null;
  }
}

export interface OwnerAuthOptions {
  clients: ClientsStore;
  now?: () => number;
  /** Allowed clock difference between client and device (default 60 s). */
  skewMs?: number;
  /** Replay cache bound (default 50 000 nonces). */
  maxNonces?: number;
  /** Maximum signed body size in bytes (default 1 MiB). */
  bodyLimit?: number;
}

async function readBounded(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) throw new HttpError(413, 'HEARTH_AUTH_BODY_TOO_LARGE', `request body exceeds ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

const ownerAuthPlugin: FastifyPluginAsync<OwnerAuthOptions> = async (app, opts) => {
  const now = opts.now ?? Date.now;
  const skewMs = opts.skewMs ?? 60_000;
  const bodyLimit = opts.bodyLimit ?? 1024 * 1024;
  const replay = new ReplayCache(opts.maxNonces ?? 50_000, 2 * skewMs, now);
  const deps = {
    publicKeyOf: (id: string) => opts.clients.publicKeyOf(id),
    isRevoked: (id: string) => opts.clients.get(id)?.revokedAt !== undefined,
    replay,
    now,
    skewMs,
  };

  if (!app.hasRequestDecorator('hearthClient')) app.decorateRequest('hearthClient', null);

  app.addHook('preParsing', async (request: FastifyRequest, _reply, payload) => {
    const body = await readBounded(payload, bodyLimit);
    const result = verifySignedRequest(
      { method: request.method, url: request.raw.url ?? request.url, headers: request.headers, bodySha256: createHash('sha256').update(body).digest('hex') },
      deps,
    );
    if (!result.ok) {
      request.log.warn({ code: result.code, keyId: request.headers['x-hearth-key-id'] }, 'admin request refused');
      throw new HttpError(result.status, result.code, result.message);
    }
    request.hearthClient = opts.clients.get(result.clientId) ?? null;
    const replayed = Readable.from(body.length ? [body] : []) as Readable & { receivedEncodedLength?: number };
    replayed.receivedEncodedLength = body.length;
    return replayed;
  });
};

export const ownerAuth = fp(ownerAuthPlugin, { fastify: '5.x', name: 'hearth-owner-auth' });

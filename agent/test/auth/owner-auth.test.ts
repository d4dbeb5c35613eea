// Signed admin requests through a real fastify server on loopback, with real HTTP (fetch).
import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { ClientsStore } from '../../src/auth/clients-store.js';
import { ownerAuth } from '../../src/auth/plugin.js';
import { ReplayCache } from '../../src/auth/replay-cache.js';
import { createRequestSigner, type RequestSigner } from '../../src/client-auth/signer.js';
import { generateClientKeyPair, exportPublicKeyRaw, clientIdFromPublicKey } from '../../src/client-auth/keys.js';

const logger = pino({ level: 'silent' });

interface Harness {
  base: string;
  clients: ClientsStore;
  calls: { admin: number; lastClient?: string; lastBody?: unknown };
  owner: { id: string; signer: RequestSigner; keys: CryptoKeyPair };
}

async function harness(t: { teardown(fn: () => unknown): void }): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-auth-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const clients = await ClientsStore.open({ path: join(dir, 'clients.json'), logger });
  const keys = await generateClientKeyPair();
  const raw = await exportPublicKeyRaw(keys.publicKey);
  const added = await clients.add({ name: 'phone', publicKey: raw, via: 'code' });
  const calls: Harness['calls'] = { admin: 0 };
  const app: FastifyInstance = Fastify({ logger: false });
  app.get('/public', async () => ({ public: true }));
  await app.register(async (admin) => {
    await admin.register(ownerAuth, { clients, bodyLimit: 4096 });
    admin.get('/v1/apps', async (req) => {
      calls.admin++;
      calls.lastClient = req.hearthClient?.id;
      return { ok: true };
    });
    admin.post('/v1/apps', async (req) => {
      calls.admin++;
      calls.lastBody = req.body;
      return { ok: true };
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { base: `http://127.0.0.1:${port}`, clients, calls, owner: { id: added.id, keys, signer: createRequestSigner({ keyId: added.id, privateKey: keys.privateKey }) } };
}

async function call(h: Harness, method: string, url: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(h.base + url, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

t.test('a correctly signed request reaches the handler with the client attached', async (t) => {
  const h = await harness(t);
  const r = await call(h, 'GET', '/v1/apps?x=1', await h.owner.signer.sign({ method: 'GET', url: '/v1/apps?x=1' }));
  t.equal(r.status, 200);
  t.equal(h.calls.admin, 1);
  t.equal(h.calls.lastClient, h.owner.id);
  const body = JSON.stringify({ install: 'tiny' });
  const p = await call(h, 'POST', '/v1/apps', await h.owner.signer.sign({ method: 'POST', url: '/v1/apps', body }), body);
  t.equal(p.status, 200);
  t.same(h.calls.lastBody, { install: 'tiny' }, 'the signed bytes are parsed as the body');
  t.equal((await call(h, 'GET', '/public', {})).status, 200, 'sibling routes are not affected');
});

t.test('refusals: 401/403 and the handler never runs', async (t) => {
  const h = await harness(t);
  const url = '/v1/apps';

  const none = await call(h, 'GET', url, {});
  t.equal(none.status, 401, 'no signature');
  t.match(none.json, { code: 'HEARTH_AUTH_MISSING' });

  const stranger = await generateClientKeyPair();
  const strangerId = clientIdFromPublicKey(await exportPublicKeyRaw(stranger.publicKey));
  const unknown = await call(h, 'GET', url, await createRequestSigner({ keyId: strangerId, privateKey: stranger.privateKey }).sign({ method: 'GET', url }));
  t.equal(unknown.status, 401, 'unknown key');
  t.match(unknown.json, { code: 'HEARTH_AUTH_UNKNOWN_KEY' });

  const wrongKey = await call(h, 'GET', url, await createRequestSigner({ keyId: h.owner.id, privateKey: stranger.privateKey }).sign({ method: 'GET', url }));
  t.equal(wrongKey.status, 401, 'owner id, wrong key');
  t.match(wrongKey.json, { code: 'HEARTH_AUTH_BAD_SIGNATURE' });

  const signedGet = await h.owner.signer.sign({ method: 'GET', url });
  t.equal((await call(h, 'POST', url, signedGet)).status, 401, 'method changed');
  t.equal((await call(h, 'GET', url + '?all=1', signedGet)).status, 401, 'query changed');

  const tampered = await h.owner.signer.sign({ method: 'POST', url, body: '{"install":"tiny"}' });
  const tb = await call(h, 'POST', url, tampered, '{"install":"evil"}');
  t.equal(tb.status, 401, 'body changed');

  const old = await createRequestSigner({ keyId: h.owner.id, privateKey: h.owner.keys.privateKey, now: () => Date.now() - 61_000 }).sign({ method: 'GET', url });
  const expired = await call(h, 'GET', url, old);
  t.equal(expired.status, 401, 'timestamp 61 s old');
  t.match(expired.json, { code: 'HEARTH_AUTH_EXPIRED' });
  const future = await createRequestSigner({ keyId: h.owner.id, privateKey: h.owner.keys.privateKey, now: () => Date.now() + 61_000 }).sign({ method: 'GET', url });
  t.equal((await call(h, 'GET', url, future)).status, 401, 'timestamp 61 s ahead');

  const bad = { ...(await h.owner.signer.sign({ method: 'GET', url })), 'x-hearth-signature': 'A'.repeat(86) };
  t.equal((await call(h, 'GET', url, bad)).status, 401, 'garbage signature');

  t.equal(h.calls.admin, 0, 'no handler ran for any refused request');
});

t.test('a replayed request is refused', async (t) => {
  const h = await harness(t);
  const headers = await h.owner.signer.sign({ method: 'GET', url: '/v1/apps' });
  t.equal((await call(h, 'GET', '/v1/apps', headers)).status, 200);
  const again = await call(h, 'GET', '/v1/apps', headers);
  t.equal(again.status, 401);
  t.match(again.json, { code: 'HEARTH_AUTH_REPLAY' });
  t.equal(h.calls.admin, 1);
});

t.test('revocation is immediate: 403', async (t) => {
  const h = await harness(t);
  t.equal((await call(h, 'GET', '/v1/apps', await h.owner.signer.sign({ method: 'GET', url: '/v1/apps' }))).status, 200);
  t.ok(await h.clients.revoke(h.owner.id));
  const r = await call(h, 'GET', '/v1/apps', await h.owner.signer.sign({ method: 'GET', url: '/v1/apps' }));
  t.equal(r.status, 403);
  t.match(r.json, { code: 'HEARTH_AUTH_REVOKED' });
  t.equal(h.calls.admin, 1);
  t.notOk(await h.clients.revoke(h.owner.id), 'revoking twice reports nothing to revoke');
});

t.test('an oversized body is refused before parsing', async (t) => {
  const h = await harness(t);
  const body = JSON.stringify({ pad: 'x'.repeat(5000) });
  const r = await call(h, 'POST', '/v1/apps', await h.owner.signer.sign({ method: 'POST', url: '/v1/apps', body }), body);
  t.equal(r.status, 413);
  t.equal(h.calls.admin, 0);
});

t.test('clients persist atomically and reload; a corrupt file is a clear error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-clients-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'clients.json');
  const store = await ClientsStore.open({ path, logger });
  const raw = await exportPublicKeyRaw((await generateClientKeyPair()).publicKey);
  const c = await store.add({ name: 'p', publicKey: raw, via: 'qr' });
  const again = await ClientsStore.open({ path, logger });
  t.same(again.list(), store.list());
  t.ok(again.publicKeyOf(c.id));
  const bad = new Uint8Array(raw);
  bad[64] = bad[64]! ^ 1; // off the curve
  await t.rejects(store.add({ name: 'x', publicKey: bad, via: 'qr' }));
  t.equal(store.list().length, 1, 'a refused add changes nothing');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path, '{"v":1,"clients":[{"id":"nope"}]}');
  await t.rejects(ClientsStore.open({ path, logger }), /clients file .* is invalid/);
});

t.test('replay cache: bounded, expires with the window', async (t) => {
  let now = 1_000;
  const cache = new ReplayCache(2, 120_000, () => now);
  t.equal(cache.remember('a'), 'ok');
  t.equal(cache.remember('a'), 'replay');
  t.equal(cache.remember('b'), 'ok');
  t.equal(cache.remember('c'), 'full', 'refuses rather than forgetting a live nonce');
  now += 120_001;
  t.equal(cache.remember('c'), 'ok', 'expired entries make room');
  t.equal(cache.size, 1);
});

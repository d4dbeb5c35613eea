// `npm run bench -- pairing`: QR pairing time (real fastify on loopback, real HTTP, median of 5) and the cost
// of request signing: the same admin route called signed vs unsigned (baseline), medians over many calls.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { pino } from 'pino';
import { loadOrCreateDeviceIdentity } from '../agent/src/identity/device-identity.js';
import { loadOrCreatePairingSecret } from '../agent/src/identity/pairing-secret.js';
import { ClientsStore } from '../agent/src/auth/clients-store.js';
import { ownerAuth } from '../agent/src/auth/plugin.js';
import { PairingService } from '../agent/src/pairing/pairing-service.js';
import { pairingRoutes } from '../agent/src/pairing/routes.js';
import { parsePairingUrl } from '../agent/src/pairing/pairing-url.js';
import { pairWithDevice } from '../agent/src/client-auth/pair-client.js';
import { generateClientKeyPair } from '../agent/src/client-auth/keys.js';
import { createRequestSigner } from '../agent/src/client-auth/signer.js';
import { median } from './_stats.js';

export default async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-bench-pairing-'));
  const logger = pino({ level: 'silent' });
  const identity = await loadOrCreateDeviceIdentity({ dir, logger });
  const secret = await loadOrCreatePairingSecret({ dir, logger });
  const clients = await ClientsStore.open({ path: join(dir, 'clients.json'), logger });
  const service = new PairingService({ identity, secret, clients, logger });
  const app = Fastify({ logger: false });
  await app.register(pairingRoutes, { service, devicePublicKey: identity.publicKey });
  const payload = { apps: Array.from({ length: 5 }, (_, i) => ({ id: `app${i}`, state: 'running' })) };
  app.get('/open/v1/apps', async () => payload);
  await app.register(async (admin) => {
    await admin.register(ownerAuth, { clients });
    admin.get('/v1/apps', async () => payload);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  try {
    const qr = parsePairingUrl(service.pairingUrl(base.slice('http://'.length)));
    const pairOnce = async () => {
      const keyPair = await generateClientKeyPair();
      const t0 = performance.now();
      const r = await pairWithDevice({ baseUrl: base, keyPair, clientName: 'bench', credential: { mode: 'qr', secret: qr.secret, expectedDeviceId: qr.deviceId } });
      const ms = performance.now() - t0;
      return { ms, r, keyPair };
    };
    await pairOnce(); // warm-up (JIT, noble precomputes)
    const pairTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      await clients.revokeAll(); // reopen the window: each run is a first pairing
      pairTimes.push((await pairOnce()).ms);
    }
    await clients.revokeAll();
    const owner = await pairOnce();
    const signer = createRequestSigner({ keyId: owner.r.clientId, privateKey: owner.keyPair.privateKey });

    const N = 300;
    const unsigned: number[] = [];
    const signed: number[] = [];
    const serverOnly: number[] = [];
    for (let i = 0; i < N + 30; i++) {
      let t0 = performance.now();
      const a = await fetch(`${base}/open/v1/apps`);
      await a.arrayBuffer();
      const tu = performance.now() - t0;
      t0 = performance.now();
      const headers = await signer.sign({ method: 'GET', url: '/v1/apps' });
      const t1 = performance.now();
      const b = await fetch(`${base}/v1/apps`, { headers });
      await b.arrayBuffer();
      const t2 = performance.now();
      if (b.status !== 200) throw new Error(`signed request failed: ${b.status}`);
      if (i >= 30) {
        unsigned.push(tu);
        signed.push(t2 - t0);
        serverOnly.push(t2 - t1);
      }
    }
    const result = {
      pair_ms: Number(median(pairTimes).toFixed(2)),
      pair_runs_ms: pairTimes.map((x) => Number(x.toFixed(2))),
      signed_request_overhead_ms: Number((median(signed) - median(unsigned)).toFixed(3)),
      signed_request_overhead_server_ms: Number((median(serverOnly) - median(unsigned)).toFixed(3)),
      unsigned_request_ms: Number(median(unsigned).toFixed(3)),
      signed_request_ms: Number(median(signed).toFixed(3)),
      requests: N,
      goals: { pair_ms: 1000, signed_request_overhead_ms: 2 },
    };
    console.log(`RESULT ${JSON.stringify(result)}`);
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
}

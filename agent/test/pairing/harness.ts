// Test harness: a real device-side stack (identity, secret, clients, pairing service) behind a real fastify
// server on loopback, wired the way the agent's API is: public pairing routes + an owner-auth admin scope.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { loadOrCreateDeviceIdentity, type DeviceIdentity } from '../../src/identity/device-identity.js';
import { loadOrCreatePairingSecret } from '../../src/identity/pairing-secret.js';
import { ClientsStore } from '../../src/auth/clients-store.js';
import { ownerAuth } from '../../src/auth/plugin.js';
import { PairingService } from '../../src/pairing/pairing-service.js';
import { pairingRoutes } from '../../src/pairing/routes.js';
import { pairingAdminRoutes } from '../../src/pairing/admin-routes.js';
import type { LimitConfig } from '../../src/pairing/rate-limit.js';

export interface Device {
  base: string;
  relay: string;
  dir: string;
  identity: DeviceIdentity;
  clients: ClientsStore;
  service: PairingService;
  resetMarker: string;
  clock: { now: number };
  close(): Promise<void>;
}

export async function startDevice(opts: { limit?: LimitConfig; extraRoutes?: (app: FastifyInstance) => void } = {}): Promise<Device> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-pairing-'));
  const logger = pino({ level: 'silent' });
  const clock = { now: Date.now() };
  const now = () => clock.now;
  const identity = await loadOrCreateDeviceIdentity({ dir: join(dir, 'identity'), logger });
  const secret = await loadOrCreatePairingSecret({ dir: join(dir, 'identity'), logger });
  const clients = await ClientsStore.open({ path: join(dir, 'clients.json'), logger });
  const resetMarker = join(dir, 'boot', 'hearth-reset-pairing');
  const service = new PairingService({ identity, secret, clients, logger, now, resetMarkerPath: resetMarker, resetConsumedPath: join(dir, 'identity', 'reset-marker-consumed'), ...(opts.limit ? { limit: opts.limit } : {}) });
  const app = Fastify({ logger: false });
  const relay = { value: '' };
  await app.register(pairingRoutes, { service, devicePublicKey: identity.publicKey });
  await app.register(async (admin) => {
    // The request-auth clock stays real: the signer in the tests uses the real time.
    await admin.register(ownerAuth, { clients });
    await admin.register(pairingAdminRoutes, { service, clients, get relay() { return relay.value; } });
  });
  opts.extraRoutes?.(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  relay.value = `127.0.0.1:${port}`;
  return {
    base: `http://127.0.0.1:${port}`,
    relay: relay.value,
    dir,
    identity,
    clients,
    service,
    resetMarker,
    clock,
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

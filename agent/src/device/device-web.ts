// The device's own web at https://<device domain>/: the phone app, pairing (public), and the owner-only admin
// API (every request signed by a paired client). App hosts never reach this; the ingress routes them to apps.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AppOperations } from '../apps/operations.js';
import { errorHandler } from '../api/errors.js';
import { fastifyOptions } from '../api/fastify-options.js';
import { appRoutes } from '../api/routes/apps.js';
import { systemRoutes, type SystemRoutesOptions } from '../api/routes/system.js';
import { fetchLimited } from '../api/server.js';
import { ownerAuth, type ClientsStore } from '../auth/index.js';
import type { CatalogClient } from '../catalog/index.js';
import { pairingAdminRoutes } from '../pairing/admin-routes.js';
import type { PairingService } from '../pairing/pairing-service.js';
import { pairingRoutes } from '../pairing/routes.js';
import { catalogRoutes } from './catalog-routes.js';
import { deviceRoutes, type DeviceInfoSource } from './device-routes.js';
import { staticFiles } from './static-files.js';

export interface DeviceWebDeps {
  logger: Logger;
  pairing: PairingService;
  clients: ClientsStore;
  devicePublicKey: Uint8Array;
  relayAddress: string;
  operations: AppOperations;
  system: SystemRoutesOptions;
  catalog: CatalogClient | undefined;
  info: DeviceInfoSource;
  phoneDir: string | undefined;
}

export function buildDeviceWeb(d: DeviceWebDeps): FastifyInstance {
  const app = Fastify(fastifyOptions(d.logger, 'device-web', 1024 * 1024)) as unknown as FastifyInstance;
  app.setErrorHandler(errorHandler);
  // The pairing module's routes carry their full /v1/... paths; the agent's own are mounted under /v1.
  void app.register(pairingRoutes, { service: d.pairing, devicePublicKey: d.devicePublicKey });
  void app.register(async (admin) => {
    await admin.register(ownerAuth, { clients: d.clients });
    await admin.register(pairingAdminRoutes, { service: d.pairing, clients: d.clients, relay: d.relayAddress });
    await admin.register(
      async (v1) => {
        await v1.register(systemRoutes, d.system);
        await v1.register(appRoutes, { operations: d.operations, fetchText: fetchLimited });
        await v1.register(catalogRoutes, { catalog: d.catalog, operations: d.operations });
        await v1.register(deviceRoutes, d.info);
      },
      { prefix: '/v1' },
    );
  });
  if (d.phoneDir) void app.register(staticFiles, { root: d.phoneDir });
  else app.get('/', async (_req, reply) => reply.type('text/plain; charset=utf-8').send('Hearth device. Open the Hearth phone app to pair.\n'));
  return app;
}

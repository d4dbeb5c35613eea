// Public pairing routes (no request signature: the PAKE is the authentication). Mount at the root scope,
// outside the owner-auth scope:  app.register(pairingRoutes, { service, devicePublicKey })
import type { FastifyPluginAsync } from 'fastify';
import { toBase64Url } from '../client-auth/encoding.js';
import type { PairingService } from './pairing-service.js';
import { StartRequest, StartResponse, FinishRequest, FinishResponse, PairingInfo } from './schemas.js';

export interface PairingRoutesOptions {
  service: PairingService;
  devicePublicKey: Uint8Array;
}

export const pairingRoutes: FastifyPluginAsync<PairingRoutesOptions> = async (app, opts) => {
  app.get('/v1/pair/info', { schema: { response: { 200: PairingInfo } } }, async (): Promise<PairingInfo> => ({
    deviceId: opts.service.deviceId,
    devicePublicKey: toBase64Url(opts.devicePublicKey),
    windowOpen: opts.service.windowOpen(),
  }));
  app.post<{ Body: StartRequest }>('/v1/pair/start', { schema: { body: StartRequest, response: { 200: StartResponse } } }, async (req) =>
    opts.service.start(req.body),
  );
  app.post<{ Body: FinishRequest }>('/v1/pair/finish', { schema: { body: FinishRequest, response: { 200: FinishResponse } } }, async (req) =>
    opts.service.finish(req.body),
  );
};

// Admin routes for pairing: list and revoke clients, create invites. They MUST be mounted inside the
// owner-auth scope (request.hearthClient is checked again here, so a mistaken mount fails closed).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { ClientsStore } from '../auth/clients-store.js';
import { HttpError } from '../auth/http-error.js';
import type { PairingService } from './pairing-service.js';

export interface PairingAdminOptions {
  service: PairingService;
  clients: ClientsStore;
  /** host:port put in invite links (the relay address of this device). */
  relay: string;
}

const ClientIdParams = Type.Object({ id: Type.String({ pattern: '^[a-z2-7]{26}$' }) });

function requireClient(req: FastifyRequest): string {
  if (!req.hearthClient) throw new HttpError(500, 'HEARTH_AUTH_NOT_MOUNTED', 'admin route reached without owner auth');
  return req.hearthClient.id;
}

export const pairingAdminRoutes: FastifyPluginAsync<PairingAdminOptions> = async (app, opts) => {
  app.get('/v1/clients', async (req) => {
    requireClient(req);
    return { clients: opts.clients.list().map(({ publicKey: _pk, ...rest }) => rest) };
  });
  app.delete<{ Params: Static<typeof ClientIdParams> }>('/v1/clients/:id', { schema: { params: ClientIdParams } }, async (req) => {
    const by = requireClient(req);
    if (!(await opts.clients.revoke(req.params.id))) throw new HttpError(404, 'HEARTH_CLIENT_UNKNOWN', `no active client ${req.params.id}`);
    req.log.info({ revoked: req.params.id, by }, 'client revoked');
    return { revoked: req.params.id };
  });
  app.post('/v1/pair/invites', async (req) => opts.service.createInvite(requireClient(req), opts.relay));
};

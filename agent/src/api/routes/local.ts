// Routes only the local console gets (the unix socket is root-only): the pairing link and code to show the owner.
// The remote device web never mounts these.
import type { FastifyPluginAsync } from 'fastify';

export interface LocalRoutesOptions {
  pairing: () => { url: string; code: string; paired: boolean } | undefined;
}

export const localRoutes: FastifyPluginAsync<LocalRoutesOptions> = async (app, o) => {
  app.get('/pairing', async (_req, reply) => {
    const p = o.pairing();
    if (!p) return reply.status(503).send({ error: 'starting', message: 'the device is still starting; try again in a moment' });
    return p;
  });
};

// Device-level routes: health (for the watchdog, the image boot test and the phone), image loading from an
// archive, and a live event stream.
import type { FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import type { Engine } from '../../engine/engine.js';
import type { AgentEvents } from '../../events.js';
import type { AppOperations } from '../../apps/operations.js';

export interface SystemRoutesOptions {
  engine: Engine;
  events: AgentEvents;
  operations: AppOperations;
  version: string;
  startedAt: number;
  deviceDomain: string;
  /** Duration of the last reconcile pass's observe + plan (what a no-op pass costs). */
  lastPassMs: () => number | undefined;
}

export const systemRoutes: FastifyPluginAsync<SystemRoutesOptions> = async (app, o) => {
  app.get('/health', async (_req, reply) => {
    const engine = await o.engine.ping().then(
      () => 'up',
      () => 'down',
    );
    const apps = o.operations.list();
    const body = {
      status: engine === 'up' ? 'ok' : 'degraded',
      version: o.version,
      uptimeS: Math.round((Date.now() - o.startedAt) / 1000),
      engine,
      deviceDomain: o.deviceDomain,
      apps: { total: apps.length, running: apps.filter((a) => a.phase === 'running').length },
      reconcile: { lastPassMs: o.lastPassMs() },
    };
    return reply.status(engine === 'up' ? 200 : 503).send(body);
  });

  // A docker-archive or OCI tar as the raw body: for devices without a registry, tests and the demo.
  app.addContentTypeParser(['application/x-tar', 'application/octet-stream'], (_req, payload, done) => done(null, payload));
  app.post('/images/load', { bodyLimit: 8 * 1024 ** 3 }, async (req, reply) => {
    if (!req.headers['content-type']?.match(/^application\/(x-tar|octet-stream)/)) {
      return reply.status(415).send({ error: 'bad-request', message: 'send the image archive as application/x-tar' });
    }
    const images = await o.engine.loadImage(req.body as Readable);
    return { loaded: images };
  });

  app.get('/events', (req, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    const unsubscribe = o.events.subscribe((e) => {
      if (e.type !== 'converged') reply.raw.write(JSON.stringify(e) + '\n');
    });
    req.raw.on('close', unsubscribe);
  });
};

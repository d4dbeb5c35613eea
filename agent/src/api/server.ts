// The local admin API: fastify on a unix socket (root-only; what the CLI uses) and, for development, on
// loopback TCP. Remote admin from the owner's phone is mounted by the pairing module behind signed requests.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AppOperations } from '../apps/operations.js';
import { errorHandler } from './errors.js';
import { fastifyOptions } from './fastify-options.js';
import { appRoutes } from './routes/apps.js';
import { systemRoutes, type SystemRoutesOptions } from './routes/system.js';
import { localRoutes, type LocalRoutesOptions } from './routes/local.js';

export interface ApiDeps {
  operations: AppOperations;
  logger: Logger;
  /** Shared with the device web, which mounts the same routes behind owner auth. */
  system: SystemRoutesOptions;
  fetchText?: (url: string) => Promise<string>;
  pairing: LocalRoutesOptions['pairing'];
}

export function buildApi(d: ApiDeps): FastifyInstance {
  const app = Fastify(fastifyOptions(d.logger, 'api', 2 * 1024 * 1024)) as unknown as FastifyInstance;
  app.setErrorHandler(errorHandler);
  void app.register(
    async (v1) => {
      await v1.register(systemRoutes, d.system);
      await v1.register(appRoutes, { operations: d.operations, fetchText: d.fetchText ?? fetchLimited });
      await v1.register(localRoutes, { pairing: d.pairing });
    },
    { prefix: '/v1' },
  );
  return app;
}

/** Downloads a compose file: 1 MB and 30 s at most. */
export async function fetchLimited(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000), redirect: 'follow' });
  if (!res.ok) throw Object.assign(new Error(`could not download ${url}: HTTP ${res.status}`), { statusCode: 400 });
  const text = await res.text();
  if (text.length > 1_000_000) throw Object.assign(new Error(`${url} is larger than 1 MB; not an app file`), { statusCode: 400 });
  return text;
}

// The options both of the agent's fastify instances (the local API and the owner-only device web) are built with.
import type { Logger } from 'pino';
import { lazyValidatorFactory } from './lazy-validators.js';

// Typed by inference: annotating it as FastifyServerOptions loses the pino logger type fastify infers from it.
export function fastifyOptions(logger: Logger, module: string, bodyLimit: number) {
  return {
    loggerInstance: logger.child({ module }, { level: 'warn' }),
    bodyLimit,
    // Route schemas are constants of this code base (TypeBox), compiled once (on first use) and exercised by the API
    // tests; checking each against JSON Schema's meta-schema first made every instance compile that meta-schema:
    // ~35 ms of a ~290 ms start (about 1 s under the image's emulated boot) and ~2 MB of heap. Strict mode still
    // rejects unknown keywords, and every request is still validated.
    ajv: { customOptions: { validateSchema: false } },
    // Validators are compiled on a route's first request, not at start-up (lazy-validators.ts).
    schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory() } },
  };
}

// App routes: list, show, install/update, remove, start, stop, logs. Install can stream progress as NDJSON.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AppOperations } from '../../apps/operations.js';
import type { AppManifest } from '../../manifest/types.js';
import type { AgentEvent } from '../../events.js';
import { toApiError } from '../errors.js';

const InstallBody = Type.Union([
  Type.Object({ compose: Type.String({ minLength: 1, maxLength: 1_000_000 }) }, { additionalProperties: false }),
  Type.Object({ url: Type.String({ pattern: '^https?://' }) }, { additionalProperties: false }),
]);
const AppParams = Type.Object({ id: Type.String({ pattern: '^[a-z][a-z0-9-]{0,30}$' }) });
export const WaitQuery = Type.Object({ wait: Type.Optional(Type.Boolean()), timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3_600_000 })) });
const RemoveQuery = Type.Object({ keepData: Type.Boolean() });
const LogsQuery = Type.Object({ service: Type.Optional(Type.String()), tail: Type.Integer({ minimum: 1, maximum: 10_000, default: 200 }) });

export interface AppRoutesOptions {
  operations: AppOperations;
  /** Fetches a compose file from a URL (size-limited); injectable for tests. */
  fetchText: (url: string) => Promise<string>;
}

export const appRoutes: FastifyPluginAsync<AppRoutesOptions> = async (app, { operations, fetchText }) => {
  app.get('/apps', async () => ({ apps: operations.list() }));

  app.get<{ Params: Static<typeof AppParams> }>('/apps/:id', { schema: { params: AppParams } }, async (req) => operations.status(req.params.id));

  app.post<{ Body: Static<typeof InstallBody>; Querystring: Static<typeof WaitQuery> }>(
    '/apps',
    { schema: { body: InstallBody, querystring: WaitQuery } },
    async (req, reply) => {
      const text = 'compose' in req.body ? req.body.compose : await fetchText(req.body.url);
      const manifest = operations.parse(text);
      return replyInstall(reply, operations, manifest, req.query);
    },
  );

  app.delete<{ Params: Static<typeof AppParams>; Querystring: Static<typeof RemoveQuery> }>(
    '/apps/:id',
    {
      schema: { params: AppParams, querystring: RemoveQuery },
      attachValidation: true,
    },
    async (req, reply) => {
      if (req.validationError) {
        return reply.status(400).send({ error: 'bad-request', message: 'say whether to keep the app data: keepData=true or keepData=false' });
      }
      await operations.remove(req.params.id, { keepData: req.query.keepData });
      return { removed: req.params.id, keptData: req.query.keepData };
    },
  );

  app.post<{ Params: Static<typeof AppParams> }>('/apps/:id/start', { schema: { params: AppParams } }, async (req) => {
    await operations.setDesired(req.params.id, 'running');
    return operations.status(req.params.id);
  });

  app.post<{ Params: Static<typeof AppParams> }>('/apps/:id/stop', { schema: { params: AppParams } }, async (req) => {
    await operations.setDesired(req.params.id, 'stopped');
    return operations.status(req.params.id);
  });

  app.get<{ Params: Static<typeof AppParams>; Querystring: Static<typeof LogsQuery> }>(
    '/apps/:id/logs',
    { schema: { params: AppParams, querystring: LogsQuery } },
    async (req) => ({ logs: await operations.logs(req.params.id, { service: req.query.service, tail: req.query.tail }) }),
  );
};

/**
 * Installs `manifest`. Without `wait`: 202 once accepted. With it: NDJSON progress lines (the app's events), then a
 * last `{type:'result'}` line once the app runs healthy, rolled back or failed. Shared by app and catalog installs.
 */
export async function replyInstall(
  reply: FastifyReply,
  operations: AppOperations,
  manifest: AppManifest,
  query: Static<typeof WaitQuery>,
): Promise<FastifyReply> {
  if (!query.wait) {
    const outcome = await operations.install(manifest);
    return reply.status(outcome === 'unchanged' ? 200 : 202).send({ outcome, app: operations.status(manifest.id) });
  }
  reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  const line = (o: unknown) => reply.raw.write(JSON.stringify(o) + '\n');
  const done = operations.waitForVersion(manifest.id, manifest.version, query.timeoutMs ?? 600_000, (e: AgentEvent) => line(e));
  done.catch(() => undefined);
  try {
    const outcome = await operations.install(manifest);
    line({ type: 'accepted', outcome });
    const status = await done;
    line({ type: 'result', ok: true, outcome, app: status });
  } catch (err) {
    line({ type: 'result', ok: false, ...toApiError(err).body });
  }
  reply.raw.end();
  return reply;
}

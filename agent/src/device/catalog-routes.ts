// The app store for the phone: the verified catalog (signature and rollback checked by CatalogClient before
// anything is parsed) and install-by-id, which fetches the compose file and checks its hash first.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AppOperations } from '../apps/operations.js';
import type { CatalogClient } from '../catalog/index.js';
import { WaitQuery, replyInstall } from '../api/routes/apps.js';

const InstallBody = Type.Object({ id: Type.String({ pattern: '^[a-z][a-z0-9-]{0,30}$' }) }, { additionalProperties: false });

export interface CatalogRoutesOptions {
  catalog: CatalogClient | undefined;
  operations: AppOperations;
}

export const catalogRoutes: FastifyPluginAsync<CatalogRoutesOptions> = async (app, { catalog, operations }) => {
  const need = (): CatalogClient => {
    if (!catalog) throw Object.assign(new Error('this device has no app store configured'), { statusCode: 404 });
    return catalog;
  };

  app.get('/catalog', async () => {
    const index = await need().refresh();
    const installed = new Map(operations.list().map((a) => [a.id, a.version]));
    return {
      version: index.version,
      apps: index.apps.map((e) => ({ ...e, installed: installed.has(e.id), installedVersion: installed.get(e.id) })),
    };
  });

  app.post<{ Body: Static<typeof InstallBody>; Querystring: Static<typeof WaitQuery> }>(
    '/catalog/install',
    { schema: { body: InstallBody, querystring: WaitQuery } },
    async (req, reply) => {
      const index = await need().refresh();
      if (!index.apps.some((a) => a.id === req.body.id)) {
        throw Object.assign(new Error(`the app store has no app called ${req.body.id}`), { statusCode: 404 });
      }
      const { compose } = await need().fetchCompose(req.body.id);
      const manifest = operations.parse(compose);
      if (manifest.id !== req.body.id) {
        throw Object.assign(new Error(`the catalog entry ${req.body.id} describes app ${manifest.id}; refusing`), { statusCode: 400 });
      }
      return replyInstall(reply, operations, manifest, req.query);
    },
  );
};

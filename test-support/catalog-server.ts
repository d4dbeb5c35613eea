// Builds the repository's example catalog (catalog/apps) with a fresh key into a temp folder and serves it over
// HTTP on loopback, as any static web host would.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize, sep } from 'node:path';
import { buildCatalog } from '../catalog/src/build.js';
import { generateCatalogKey } from '../catalog/src/keys.js';

const ROOT = new URL('..', import.meta.url).pathname;

export interface CatalogServer {
  url: string;
  publicKey: string;
  dir: string;
  close(): Promise<void>;
}

export async function serveExampleCatalog(sourceDir = join(ROOT, 'catalog')): Promise<CatalogServer> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-catalog-'));
  const key = generateCatalogKey();
  await buildCatalog({ sourceDir, outDir: dir, key });
  const base = normalize(dir + sep);
  const server: Server = createServer((req, res) => {
    const path = normalize(join(base, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!path.startsWith(base)) return void res.writeHead(404).end();
    readFile(path).then(
      (body) => res.writeHead(200).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    publicKey: Buffer.from(key.publicKey).toString('base64url'),
    dir,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Serves the phone app's files (phone/dist) from the device web. Tiny on purpose: a fixed folder, GET/HEAD only,
// no directory listings, no path escapes, the shell's index.html for unknown paths (a single-page app).
import type { FastifyPluginAsync } from 'fastify';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export const staticFiles: FastifyPluginAsync<{ root: string }> = async (app, { root }) => {
  const base = normalize(root + sep);
  app.get('/*', async (req, reply) => {
    const url = new URL(req.url, 'http://x');
    let rel = decodeURIComponent(url.pathname);
    if (rel.startsWith('/v1/')) return reply.status(404).send({ error: 'not-found', message: 'no such API route' });
    if (rel.endsWith('/')) rel += 'index.html';
    const path = normalize(join(base, rel));
    if (!path.startsWith(base)) return reply.status(404).send({ error: 'not-found', message: 'no such file' });
    const file = (await isFile(path)) ? path : extname(rel) ? undefined : join(base, 'index.html');
    if (!file) return reply.status(404).send({ error: 'not-found', message: 'no such file' });
    const body = await readFile(file);
    // The service worker and the shell must be revalidated so an update of the phone app reaches phones.
    const cache = /(?:sw\.js|index\.html)$/.test(file) ? 'no-cache' : 'public, max-age=300';
    return reply.header('content-type', TYPES[extname(file)] ?? 'application/octet-stream').header('cache-control', cache).send(body);
  });
};

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

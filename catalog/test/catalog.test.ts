// The catalog tool (run as a real process) builds and signs; the device-side client fetches it over real HTTP
// and refuses tampered indexes, tampered compose files, older versions and foreign keys.
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile, cp, stat, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { CatalogClient } from '../../agent/src/catalog/catalog-client.js';
import { CatalogError, parsePublicKey } from '../../agent/src/catalog/verify.js';
import { parseAppFile } from '../../agent/src/manifest/index.js';

const exec = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const catalogRoot = join(here, '..');
const cli = join(catalogRoot, 'src', 'cli.ts');
const logger = pino({ level: 'silent' });

async function tool(...args: string[]) {
  return exec(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: catalogRoot });
}

async function serve(root: string, t: { teardown(fn: () => unknown): void }): Promise<string> {
  const server: Server = createServer(async (req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!path.startsWith(root)) return void res.writeHead(403).end();
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'content-length': body.length }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  const addr = server.address();
  return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/catalog/`;
}

async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-catalog-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const keyFile = join(dir, 'catalog-key.json');
  const { stdout } = await tool('keygen', '--out', keyFile);
  const publicKey = parsePublicKey(stdout);
  const out = join(dir, 'www', 'catalog');
  const base = await serve(join(dir, 'www'), t);
  const client = (pk = publicKey) => new CatalogClient({ baseUrl: base, publicKey: pk, statePath: join(dir, 'state', 'catalog.json'), logger });
  return { dir, keyFile, publicKey, out, base, client, statePath: join(dir, 'state', 'catalog.json') };
}

t.test('keygen: 0600 key, refuses to overwrite', async (t) => {
  const s = await setup(t);
  t.equal((await stat(s.keyFile)).mode & 0o777, 0o600);
  t.equal(s.publicKey.length, 32);
  await t.rejects(tool('keygen', '--out', s.keyFile), /EEXIST/);
});

t.test('build + sign with the tool, fetch + verify on the device', async (t) => {
  const s = await setup(t);
  const { stdout } = await tool('build', catalogRoot, '--key', s.keyFile, '--out', s.out);
  t.match(stdout, /catalog version 1: .*tiny@1\.0\.0/);
  const index = await s.client().refresh();
  t.equal(index.version, 1);
  t.ok(index.apps.length >= 4, 'tiny + at least three real apps');
  for (const id of ['tiny', 'adguard-home', 'ghost', 'filebrowser']) t.ok(index.apps.find((a) => a.id === id), id);
  t.match(index.apps.find((a) => a.id === 'tiny')!.icon, /^data:image\/svg\+xml;base64,/);
  const { compose, entry } = await s.client().fetchCompose('tiny');
  t.equal(entry.id, 'tiny');
  const parsed = parseAppFile(compose);
  t.ok(parsed.ok, 'the fetched compose parses');
  if (parsed.ok) t.same(parsed.manifest.routes.map((r) => r.subdomain), ['tiny']);
  t.same(JSON.parse(await readFile(s.statePath, 'utf8')), { v: 1, version: 1, sha256: (await import('node:crypto')).createHash('sha256').update(await readFile(join(s.out, 'index.json'))).digest('hex') });
  await t.rejects(s.client().fetchCompose('nope'), /catalog has no app "nope"/);
});

t.test('a tampered index is refused before parsing, and nothing is written', async (t) => {
  const s = await setup(t);
  await tool('build', catalogRoot, '--key', s.keyFile, '--out', s.out);
  const path = join(s.out, 'index.json');
  const text = await readFile(path, 'utf8');
  await writeFile(path, text.replace('"version": 1', '"version": 9'));
  const err = await s.client().refresh().catch((e: unknown) => e);
  t.ok(err instanceof CatalogError);
  t.equal((err as CatalogError).code, 'BAD_SIGNATURE');
  await t.rejects(access(s.statePath), /ENOENT/, 'no state written');
  // Not even JSON: still a signature error, not a parse error.
  await writeFile(path, '{not json');
  await t.rejects(s.client().refresh(), /signature does not verify/);
});

t.test('an index signed by another key is refused', async (t) => {
  const s = await setup(t);
  await tool('build', catalogRoot, '--key', s.keyFile, '--out', s.out);
  const other = join(s.dir, 'other.json');
  const { stdout } = await tool('keygen', '--out', other);
  await t.rejects(s.client(parsePublicKey(stdout)).refresh(), /does not verify with the pinned catalog key/);
});

t.test('a tampered compose file is refused (sha256 mismatch)', async (t) => {
  const s = await setup(t);
  await tool('build', catalogRoot, '--key', s.keyFile, '--out', s.out);
  const file = join(s.out, 'apps', 'tiny', 'compose.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace('memory: 32m', 'memory: 31m'));
  const err = await s.client().fetchCompose('tiny').catch((e: unknown) => e);
  t.equal((err as CatalogError).code, 'BAD_COMPOSE');
  t.match((err as Error).message, /compose file of tiny does not match the signed index/);
});

t.test('an older index version is refused (rollback), also after a restart', async (t) => {
  const s = await setup(t);
  await tool('build', catalogRoot, '--key', s.keyFile, '--out', s.out);
  const v1 = join(s.dir, 'v1');
  await cp(s.out, v1, { recursive: true });
  const { stdout } = await tool('build', catalogRoot, '--key', s.keyFile, '--out', s.out);
  t.match(stdout, /catalog version 2/, 'version defaults to previous + 1');
  t.equal((await s.client().refresh()).version, 2);
  t.equal((await s.client().refresh()).version, 2, 'the same index again is fine');
  // An attacker serves the old, validly signed v1.
  await rm(s.out, { recursive: true });
  await cp(v1, s.out, { recursive: true });
  const err = await s.client().refresh().catch((e: unknown) => e);
  t.equal((err as CatalogError).code, 'ROLLBACK');
  t.match((err as Error).message, /version 1 is older than the last accepted version 2/);
  // Same version number, different content: refused too.
  await tool('build', catalogRoot, '--key', s.keyFile, '--out', s.out, '--index-version', '2');
  await t.rejects(s.client().refresh(), /version 2 has different content/);
});

t.test('build refuses invalid apps with the file and issue named, and writes nothing', async (t) => {
  const s = await setup(t);
  const src = join(s.dir, 'src');
  await cp(join(catalogRoot, 'apps', 'tiny'), join(src, 'apps', 'tiny'), { recursive: true });
  const bad = join(src, 'apps', 'tiny', 'compose.yaml');
  await writeFile(bad, (await readFile(bad, 'utf8')).replace('    restart: unless-stopped', '    ports: ["8080:80"]\n    restart: unless-stopped'));
  const err = (await tool('build', src, '--key', s.keyFile, '--out', s.out).catch((e: unknown) => e)) as { stderr: string; code: number };
  t.equal(err.code, 1);
  t.match(err.stderr, /apps\/tiny\/compose\.yaml/);
  t.match(err.stderr, /services\.web\.ports/);
  await t.rejects(access(s.out), /ENOENT/);
  await cp(join(catalogRoot, 'apps', 'tiny'), join(src, 'apps', 'other'), { recursive: true });
  await writeFile(bad, await readFile(join(catalogRoot, 'apps', 'tiny', 'compose.yaml')));
  const mismatch = (await tool('build', src, '--key', s.keyFile, '--out', s.out).catch((e: unknown) => e)) as { stderr: string };
  t.match(mismatch.stderr, /x-hearth.id "tiny" must equal the folder name "other"/);
  const badKey = (await tool('build', src, '--key', join(s.dir, 'missing.json'), '--out', s.out).catch((e: unknown) => e)) as { stderr: string };
  t.match(badKey.stderr, /catalog key .*missing.json: no such file/);
});

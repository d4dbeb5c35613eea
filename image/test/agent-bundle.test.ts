// The agent bundle the image ships (scripts/bundle.mjs, as image/lib/rootfs.sh runs it): acme-client and what it
// brings stay out of the entry file, in a chunk loaded on first use, and that chunk really loads and works when the
// bundled code imports it (a CommonJS package inside a split ESM chunk needs the bundle's require banner).
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleAgent } from '../../scripts/bundle.mjs';
import { repoRoot } from './support/vm.js';

const run = promisify(execFile);
/** A string only acme-client's code holds: the User-Agent it sends to the CA. */
const ACME_MARKER = 'node-acme-client';

t.test('the agent entry leaves acme-client to a chunk beside it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bundle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const entry = join(dir, 'agent.mjs');
  await bundleAgent(join(repoRoot, 'agent/src/main.ts'), entry);
  const entrySource = readFileSync(entry, 'utf8');
  t.notOk(entrySource.includes(ACME_MARKER), 'acme-client is not in the entry file');
  t.ok(entrySource.length < 2_000_000, `entry is ${entrySource.length} bytes (it was 2.7 MB with acme-client in it)`);
  const chunks = readdirSync(join(dir, 'hearth-chunks'));
  const acmeChunks = chunks.filter((f) => readFileSync(join(dir, 'hearth-chunks', f), 'utf8').includes(ACME_MARKER));
  t.equal(acmeChunks.length, 1, 'one chunk holds acme-client');
  t.match(entrySource, /hearth-chunks\//, 'the entry imports its chunks by relative path');
});

t.test("the bundled agent's acme-client loader works on the split chunk", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bundle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Built inside the repository so the entry resolves acme-client from the workspace's node_modules.
  const source = join(repoRoot, 'image', 'test', `.acme-lazy-${process.pid}.ts`);
  writeFileSync(source, [
    "import { loadAcmeClient } from '../../agent/src/tls/acme-source.js';",
    'const acme = await loadAcmeClient();',
    'const key = await acme.crypto.createPrivateEcdsaKey();',
    "const [, csr] = await acme.crypto.createCsr({ commonName: 'app.bundle.test' }, key);",
    "console.log(JSON.stringify({ client: typeof acme.Client, csr: csr.toString().split('\\n')[0] }));",
  ].join('\n'));
  t.teardown(() => rmSync(source, { force: true }));
  const out = join(dir, 'lazy.mjs');
  await bundleAgent(source, out);
  t.notOk(readFileSync(out, 'utf8').includes(ACME_MARKER), 'the dynamic import became a chunk');
  const { stdout } = await run(process.execPath, [out], { cwd: dir });
  t.same(JSON.parse(stdout), { client: 'function', csr: '-----BEGIN CERTIFICATE REQUEST-----' });
});

// Bundles an agent entry point (agent/src/main.ts, agent/src/cli/main.ts) into one esm file run by plain node,
// as on a device, plus a chunk beside it for each module the code loads with a dynamic import() (acme-client: see
// agent/src/tls/acme-source.ts), so what a device rarely needs is not parsed and held at every start.
// `node scripts/bundle.mjs ENTRY OUT` writes OUT and OUT's folder's hearth-chunks/; or import { bundleAgent }.
// CJS dependencies expect require/__filename/__dirname: the banner provides them. Native add-ons (*.node) stay
// external: the only ones are ssh2's optional speed-ups, unused because the engine is reached over a unix socket.
// Minified, with names kept (stack traces still name every function): V8 keeps a script's whole source in the heap,
// and one non-ASCII character left in a comment made it a two-byte string. 5.6 MB of source held as 11 MB went
// to 2.7 MB held as 2.7 MB: ~11 MB less idle RSS, measured (docs/BENCHMARKS.md), and less to parse at boot.
import { basename, dirname, extname } from 'node:path';
import { build } from 'esbuild';

const BANNER = [
  "import { createRequire as __hearthCreateRequire } from 'module';",
  "import { fileURLToPath as __hearthFileURLToPath } from 'url';",
  "import { dirname as __hearthDirname } from 'path';",
  'const require = __hearthCreateRequire(import.meta.url);',
  'const __filename = __hearthFileURLToPath(import.meta.url);',
  'const __dirname = __hearthDirname(__filename);',
].join('');

// Dependencies of dockerode and docker-modem the agent never uses: BuildKit sessions (gRPC, protobuf) and engines
// reached over SSH. Replaced by stubs that fail loudly if ever called; this keeps ~1.5 MB of code out of memory.
const UNUSED = ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'ssh2'];
const stubUnused = {
  name: 'stub-unused',
  setup(b) {
    const filter = new RegExp(`^(${UNUSED.map((m) => m.replace(/[/.]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'hearth-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'hearth-stub' }, (args) => ({
      contents: `const fail = () => { throw new Error(${JSON.stringify(args.path)} + ' is not part of the Hearth agent bundle'); };
module.exports = new Proxy({}, { get: (_, key) => (key === '__esModule' ? false : fail) });`,
      loader: 'js',
    }));
  },
};

export async function bundleAgent(entry, outfile) {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Splitting needs an output folder: the entry keeps OUT's name, chunks (content-hashed, so bundles built into
    // one folder share identical chunks and never overwrite each other's) go to hearth-chunks/ beside it.
    outdir: dirname(outfile),
    entryNames: basename(outfile, extname(outfile)),
    chunkNames: 'hearth-chunks/[name]-[hash]',
    outExtension: { '.js': extname(outfile) || '.js' },
    splitting: true,
    logLevel: 'warning',
    legalComments: 'none',
    minify: true,
    keepNames: true,
    charset: 'ascii',
    external: ['*.node'],
    banner: { js: BANNER },
    plugins: [stubUnused],
  });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const [entry, out] = process.argv.slice(2);
  if (!entry || !out) {
    console.error('usage: node scripts/bundle.mjs ENTRY OUT');
    process.exit(2);
  }
  await bundleAgent(entry, out);
}

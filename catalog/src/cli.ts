#!/usr/bin/env -S node --import tsx
// hearth-catalog: `keygen --out <file>` makes a signing key; `build <dir> --key <file> --out <dir>` builds and signs.
import { Command, InvalidArgumentError } from 'commander';
import { toBase64Url } from '../../agent/src/client-auth/encoding.js';
import { buildCatalog } from './build.js';
import { generateCatalogKey, readKeyFile, writeKeyFile } from './keys.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const program = new Command('hearth-catalog').description('Build and sign the Hearth app catalog').showHelpAfterError();

program
  .command('keygen')
  .description('create an Ed25519 catalog signing key (0600); prints the public key devices must pin')
  .requiredOption('--out <file>', 'where to write the private key file (refuses to overwrite)')
  .action(async (o: { out: string }) => {
    const key = generateCatalogKey();
    await writeKeyFile(o.out, key);
    process.stdout.write(`${toBase64Url(key.publicKey)}\n`);
  });

program
  .command('build')
  .description('validate apps/<id>/compose.yaml under <dir>, write index.json + index.json.sig + apps/ to --out')
  .argument('<dir>', 'folder containing apps/')
  .requiredOption('--key <file>', 'private key file from keygen')
  .requiredOption('--out <dir>', 'output folder (replaced atomically)')
  .option('--index-version <n>', 'index version (default: previous + 1)', positiveInt)
  .action(async (dir: string, o: { key: string; out: string; indexVersion?: number }) => {
    const key = await readKeyFile(o.key);
    const index = await buildCatalog({ sourceDir: dir, outDir: o.out, key, ...(o.indexVersion ? { version: o.indexVersion } : {}) });
    process.stdout.write(`catalog version ${index.version}: ${index.apps.map((a) => `${a.id}@${a.version}`).join(', ')}\n`);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`hearth-catalog: ${(err as Error).message}\n`);
  process.exit(1);
});

// `node --import tsx image/src/manifest/main.ts --dir OUT --target T ... --artifact=FILE...`: writes OUT/manifest.json.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { checkManifest, describeFile, parseVerityParam, writeJsonAtomic } from './manifest.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' }, target: { type: 'string' }, version: { type: 'string' }, commit: { type: 'string' },
    dirty: { type: 'string' }, epoch: { type: 'string' }, kernel: { type: 'string' }, dev: { type: 'string' },
    rootfs: { type: 'string' }, packages: { type: 'string' }, artifact: { type: 'string', multiple: true },
    verity: { type: 'string' }, 'slot-image': { type: 'string' },
  },
  strict: true,
});

function required(name: keyof typeof values): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new Error(`manifest: --${name} is required`);
  return v;
}

/** `--verity FILE` holds `ROOTHASH:OFFSET` as written by image/lib/disk-x86-64.sh; `--slot-image` is what it covers. */
async function verityOf(dir: string, file: string, slotImage: string | undefined) {
  if (!slotImage) throw new Error('manifest: --verity needs --slot-image');
  const param = parseVerityParam(await readFile(join(dir, file), 'utf8'), `manifest: ${file}`);
  return { slotImage: await describeFile(dir, slotImage), ...param, hashAlgorithm: 'sha256' as const, dataBlockSize: 4096 as const };
}

try {
  const dir = required('dir');
  const rootfs = await describeFile(dir, required('rootfs'));
  const manifest = checkManifest({
    schema: 1,
    name: 'hearth',
    version: required('version'),
    target: required('target'),
    developer: values.dev === '1',
    commit: required('commit'),
    dirty: values.dirty === 'true',
    sourceDateEpoch: Number(required('epoch')),
    kernel: required('kernel'),
    rootfs: { ...rootfs, format: 'squashfs' },
    packages: await describeFile(dir, required('packages')),
    artifacts: await Promise.all((values.artifact ?? []).map((f) => describeFile(dir, f))),
    verity: values.verity ? await verityOf(dir, values.verity, values['slot-image']) : undefined,
  });
  await writeJsonAtomic(join(dir, 'manifest.json'), manifest);
  console.error(`manifest: rootfs sha256 ${manifest.rootfs.sha256}`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

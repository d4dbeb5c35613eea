// The release manifest written next to an image: what was built, from which commit, and the sha256 of the
// root filesystem (what an A/B update writes into the other slot and verifies before switching).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const FileEntry = Type.Object({ file: Type.String({ minLength: 1 }), size: Type.Integer({ minimum: 0 }), sha256: Sha256 });
export type FileEntry = Static<typeof FileEntry>;

export const Manifest = Type.Object({
  schema: Type.Literal(1),
  name: Type.Literal('hearth'),
  version: Type.String({ minLength: 1 }),
  target: Type.Union([Type.Literal('x86-64'), Type.Literal('rpi'), Type.Literal('cloud')]),
  developer: Type.Boolean(),
  commit: Type.String({ minLength: 1 }),
  dirty: Type.Boolean(),
  sourceDateEpoch: Type.Integer({ minimum: 0 }),
  kernel: Type.String({ minLength: 1 }),
  rootfs: Type.Intersect([FileEntry, Type.Object({ format: Type.Literal('squashfs') })]),
  packages: FileEntry,
  artifacts: Type.Array(FileEntry),
  /**
   * x86-64: what a root slot holds (the squashfs padded to 4 KiB, then its dm-verity hash tree) and what the slot's
   * boot entry must say (`hearth.verity=rootHash:hashOffset`). An update writes `slotImage` and that option.
   */
  verity: Type.Optional(
    Type.Object({
      slotImage: FileEntry,
      rootHash: Sha256,
      hashOffset: Type.Integer({ minimum: 4096, multipleOf: 4096 }),
      hashAlgorithm: Type.Literal('sha256'),
      dataBlockSize: Type.Literal(4096),
    }),
  ),
});
export type Manifest = Static<typeof Manifest>;

/**
 * `ROOTHASH:OFFSET`, the value of `hearth.verity=` in a slot's boot entry and the content of `root.verity` (written by
 * image/lib/disk-x86-64.sh). Throws naming `what` when the text is not that.
 */
export function parseVerityParam(text: string, what: string): { rootHash: string; hashOffset: number } {
  const m = /^([0-9a-f]{64}):([1-9][0-9]*)$/.exec(text.trim());
  if (!m) throw new Error(`${what} must be ROOTHASH:OFFSET (64 hex digits, a byte offset), got ${JSON.stringify(text.trim().slice(0, 100))}`);
  return { rootHash: m[1]!, hashOffset: Number(m[2]) };
}

export async function describeFile(dir: string, file: string): Promise<FileEntry> {
  const path = join(dir, file);
  const { size } = await stat(path);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 8 << 20 })) hash.update(chunk as Buffer);
  return { file, size, sha256: hash.digest('hex') };
}

export function checkManifest(value: unknown): Manifest {
  if (Value.Check(Manifest, value)) return value;
  const first = [...Value.Errors(Manifest, value)][0];
  throw new Error(`invalid manifest: ${first ? `${first.path || '/'} ${first.message}` : 'schema mismatch'}`);
}

/** Atomic: temp file, fsync, rename, fsync the directory. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o644 });
  const fh = await open(tmp, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
  await rename(tmp, path);
  const d = await open(dirname(path), 'r');
  try { await d.sync(); } finally { await d.close(); }
}

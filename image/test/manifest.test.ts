// The release manifest: real files hashed, schema enforced, written atomically.
import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkManifest, describeFile, writeJsonAtomic } from '../src/manifest/manifest.js';

t.test('describeFile hashes the file; checkManifest accepts a complete manifest and names a bad field', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-manifest-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const data = Buffer.alloc(20 << 20, 7); // larger than one read chunk
  writeFileSync(join(dir, 'root.squashfs'), data);
  writeFileSync(join(dir, 'packages.txt'), 'systemd\t257\tamd64\n');
  const rootfs = await describeFile(dir, 'root.squashfs');
  t.same(rootfs, { file: 'root.squashfs', size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
  const packages = await describeFile(dir, 'packages.txt');
  const m = {
    schema: 1, name: 'hearth', version: '0.1.0', target: 'x86-64', developer: false, commit: 'abc', dirty: false,
    sourceDateEpoch: 1735689600, kernel: '6.12', rootfs: { ...rootfs, format: 'squashfs' }, packages, artifacts: [],
  };
  t.same(checkManifest(m), m);
  t.throws(() => checkManifest({ ...m, target: 'pi5' }), /invalid manifest: \/target/);
  t.throws(() => checkManifest({ ...m, rootfs: { ...m.rootfs, sha256: 'xyz' } }), /invalid manifest: \/rootfs/);
  await t.rejects(describeFile(dir, 'absent.img'), /ENOENT/);

  const verity = { slotImage: { ...rootfs, file: 'root-slot.img' }, rootHash: 'a'.repeat(64), hashOffset: 20 << 20, hashAlgorithm: 'sha256', dataBlockSize: 4096 };
  t.same(checkManifest({ ...m, verity }), { ...m, verity }, 'x86-64: slot image and root hash');
  t.throws(() => checkManifest({ ...m, verity: { ...verity, hashOffset: 4097 } }), /invalid manifest: \/verity\/hashOffset/, 'offset off a block boundary');
  t.throws(() => checkManifest({ ...m, verity: { ...verity, rootHash: 'A'.repeat(64) } }), /invalid manifest: \/verity\/rootHash/);
});

t.test('writeJsonAtomic replaces the file and leaves no temp file behind', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-manifest-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const p = join(dir, 'manifest.json');
  await writeJsonAtomic(p, { a: 1 });
  await writeJsonAtomic(p, { a: 2 });
  t.same(JSON.parse(readFileSync(p, 'utf8')), { a: 2 });
  t.same(readdirSync(dir), ['manifest.json']);
  await t.rejects(writeJsonAtomic(join(dir, 'no/such/dir/m.json'), {}), /ENOENT/);
});

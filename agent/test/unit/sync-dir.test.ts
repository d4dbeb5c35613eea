// syncDirInPlace on the real file system: the destination ends up like the source while every directory keeps
// its inode (running containers bind-mount them) and existing files are rewritten in place.
import t, { type Test } from 'tap';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { syncDirInPlace } from '../../src/volumes/sync-dir.js';

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-sync-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every entry under `root` → a description (type, mode, content or link target), for comparing two trees. */
async function describeTree(root: string, dir = root, out: Record<string, string> = {}): Promise<Record<string, string>> {
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    const st = await lstat(p);
    const key = relative(root, p);
    if (st.isDirectory()) {
      out[key] = `dir ${(st.mode & 0o7777).toString(8)}`;
      await describeTree(root, p, out);
    } else if (st.isSymbolicLink()) out[key] = `link -> ${await readlink(p)}`;
    else out[key] = `file ${(st.mode & 0o7777).toString(8)} ${await readFile(p, 'utf8')} mtime=${Math.floor(st.mtimeMs / 1000)}`;
  }
  return out;
}

async function build(t: Test) {
  const base = await tempDir(t);
  const src = join(base, 'snapshot');
  const dst = join(base, 'live');
  // The snapshot: what the data looked like before the update.
  await mkdir(join(src, 'sub', 'deep'), { recursive: true });
  await mkdir(join(src, 'newdir'));
  await mkdir(join(src, 'wasfile'));
  await writeFile(join(src, 'a.txt'), 'A from the snapshot');
  await chmod(join(src, 'a.txt'), 0o640);
  await writeFile(join(src, 'sub', 'b.txt'), 'B');
  await writeFile(join(src, 'sub', 'deep', 'c.txt'), 'C');
  await writeFile(join(src, 'newdir', 'x.txt'), 'X');
  await writeFile(join(src, 'wasfile', 'in.txt'), 'now a folder');
  await writeFile(join(src, 'wasdir'), 'now a file');
  await symlink('a.txt', join(src, 'link'));
  await chmod(join(src, 'sub'), 0o750);
  await utimes(join(src, 'sub', 'b.txt'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
  // The live data after the failed update: changed, grown, reshaped.
  await mkdir(join(dst, 'sub', 'deep'), { recursive: true });
  await mkdir(join(dst, 'sub', 'extradir', 'more'), { recursive: true });
  await mkdir(join(dst, 'wasdir', 'z'), { recursive: true });
  await writeFile(join(dst, 'a.txt'), 'A written by the new version, much longer than before');
  await writeFile(join(dst, 'sub', 'b.txt'), 'B2');
  await writeFile(join(dst, 'sub', 'deep', 'c.txt'), 'C2');
  await writeFile(join(dst, 'sub', 'extra.txt'), 'extra');
  await writeFile(join(dst, 'sub', 'extradir', 'more', 'y'), 'y');
  await writeFile(join(dst, 'extra-top.txt'), 'extra');
  await writeFile(join(dst, 'wasfile'), 'was a file');
  await symlink('/etc/passwd', join(dst, 'link'));
  return { src, dst };
}

t.test('dst ends up identical to src: contents, modes, links, mtimes; extras removed', async (t) => {
  const { src, dst } = await build(t);
  const want = await describeTree(src);
  await syncDirInPlace(src, dst);
  t.same(await describeTree(dst), want);
  t.equal(await readFile(join(dst, 'a.txt'), 'utf8'), 'A from the snapshot', 'a longer file is truncated');
  t.equal(await readlink(join(dst, 'link')), 'a.txt');
  t.notOk(await lstat(join(dst, 'extra-top.txt')).catch(() => undefined));
  t.notOk(await lstat(join(dst, 'sub', 'extradir')).catch(() => undefined));
});

t.test('directory inodes are preserved (bind mounts keep seeing the restored data)', async (t) => {
  const { src, dst } = await build(t);
  const dirs = ['', 'sub', join('sub', 'deep')];
  const before = await Promise.all(dirs.map(async (d) => (await stat(join(dst, d))).ino));
  await syncDirInPlace(src, dst);
  const after = await Promise.all(dirs.map(async (d) => (await stat(join(dst, d))).ino));
  t.same(after, before);
});

t.test('existing regular files are rewritten in place (same inode)', async (t) => {
  const { src, dst } = await build(t);
  const files = ['a.txt', join('sub', 'b.txt'), join('sub', 'deep', 'c.txt')];
  const before = await Promise.all(files.map(async (f) => (await stat(join(dst, f))).ino));
  await syncDirInPlace(src, dst);
  const after = await Promise.all(files.map(async (f) => (await stat(join(dst, f))).ino));
  t.same(after, before);
});

t.test('syncing again changes nothing; the source is never modified', async (t) => {
  const { src, dst } = await build(t);
  const srcBefore = await describeTree(src);
  await syncDirInPlace(src, dst);
  const once = await describeTree(dst);
  await syncDirInPlace(src, dst);
  t.same(await describeTree(dst), once);
  t.same(await describeTree(src), srcBefore);
});

t.test('an empty snapshot empties the folder but keeps it', async (t) => {
  const { dst } = await build(t);
  const empty = join(await tempDir(t), 'empty');
  await mkdir(empty);
  const ino = (await stat(dst)).ino;
  await syncDirInPlace(empty, dst);
  t.same(await readdir(dst), []);
  t.equal((await stat(dst)).ino, ino);
});

t.test('a missing source is an error, and the destination is left alone', async (t) => {
  const { dst } = await build(t);
  const before = await describeTree(dst);
  await t.rejects(syncDirInPlace(join(dst, '..', 'no-such-snapshot'), dst), { code: 'ENOENT' });
  t.same(await describeTree(dst), before);
});

t.test('symlinks planted in the live data are replaced, never written through', async (t) => {
  const { src, dst } = await build(t);
  const outside = join(dst, '..', 'outside');
  await mkdir(join(outside, 'dir'), { recursive: true });
  await writeFile(join(outside, 'victim'), 'host file');
  await rm(join(dst, 'a.txt'));
  await symlink(join(outside, 'victim'), join(dst, 'a.txt'));
  await rm(join(dst, 'sub'), { recursive: true });
  await symlink(join(outside, 'dir'), join(dst, 'sub'));
  await syncDirInPlace(src, dst);
  t.equal(await readFile(join(outside, 'victim'), 'utf8'), 'host file');
  t.same(await readdir(join(outside, 'dir')), []);
  t.ok((await lstat(join(dst, 'a.txt'))).isFile());
  t.ok((await lstat(join(dst, 'sub'))).isDirectory());
  t.same(await describeTree(dst), await describeTree(src));
});

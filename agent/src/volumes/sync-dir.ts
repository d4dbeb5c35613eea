// In-place restore: makes `dst` look like `src` while keeping every existing directory (and file) inode.
// Running containers bind-mount folders inside the data root; replacing a folder would leave them looking at
// the deleted one, so a rollback must rewrite contents, never swap directories.
import { chown, copyFile, lchown, lstat, mkdir, readdir, readlink, rm, symlink, utimes, chmod } from 'node:fs/promises';
import { join } from 'node:path';

export async function syncDirInPlace(src: string, dst: string): Promise<void> {
  const [srcEntries, dstEntries] = await Promise.all([readdir(src), readdir(dst)]);
  const keep = new Set(srcEntries);
  for (const name of dstEntries) if (!keep.has(name)) await rm(join(dst, name), { recursive: true, force: true });
  for (const name of srcEntries) {
    const s = join(src, name);
    const d = join(dst, name);
    const st = await lstat(s);
    const existing = await lstat(d).catch(() => undefined);
    if (st.isDirectory()) {
      if (existing && !existing.isDirectory()) await rm(d, { recursive: true, force: true });
      if (!existing || !existing.isDirectory()) await mkdir(d);
      await syncDirInPlace(s, d);
      await chown(d, st.uid, st.gid); // before chmod: chown clears setuid/setgid bits
      await chmod(d, st.mode & 0o7777);
      await utimes(d, st.atime, st.mtime);
    } else if (st.isSymbolicLink()) {
      if (existing) await rm(d, { recursive: true, force: true });
      await symlink(await readlink(s), d);
      await lchown(d, st.uid, st.gid);
    } else if (st.isFile()) {
      if (existing && !existing.isFile()) await rm(d, { recursive: true, force: true });
      await copyFile(s, d); // truncates and rewrites an existing file in place (same inode)
      await chown(d, st.uid, st.gid); // before chmod: chown clears setuid/setgid bits
      await chmod(d, st.mode & 0o7777);
      await utimes(d, st.atime, st.mtime);
    }
    // sockets, fifos and devices are not app data worth restoring
  }
}

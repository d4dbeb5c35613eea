// A boot partition that is mounted (or a plain directory in tests). Writes are temp file + fsync + rename + fsync
// of the directory, so a power cut leaves either the old or the new file.
import { open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkRelativePath, tempNameFor, type EspAccess } from './esp-access.js';

export class DirectoryEsp implements EspAccess {
  readonly location: string;
  constructor(private readonly root: string) {
    this.location = root;
  }

  private abs(path: string): string {
    checkRelativePath(path);
    return join(this.root, path);
  }

  async readFile(path: string): Promise<string | null> {
    try {
      return await readFile(this.abs(path), 'utf8');
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async writeFile(path: string, content: string): Promise<void> {
    const target = this.abs(path);
    const temp = this.abs(tempNameFor(path));
    const fh = await open(temp, 'w', 0o644);
    try {
      await fh.writeFile(content, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, target);
    await syncDir(dirname(target));
  }

  async rename(from: string, to: string): Promise<void> {
    const target = this.abs(to);
    await rename(this.abs(from), target);
    await syncDir(dirname(target));
  }

  async remove(path: string): Promise<void> {
    const target = this.abs(path);
    await rm(target, { force: true });
    await syncDir(dirname(target));
  }

  async listFiles(dir: string): Promise<string[] | null> {
    try {
      const entries = await readdir(dir === '' ? this.root : this.abs(dir), { withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => e.name).sort();
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      await stat(this.abs(path));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err.code === 'ENOENT' || err.code === 'ENOTDIR');
}

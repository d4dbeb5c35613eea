// Copies of an app's data folder taken before an update, restored on rollback. `cp -a` keeps owners, modes
// and times (app containers run as arbitrary users) and `--reflink=auto` makes it nearly free on btrfs/xfs.
import { execFile } from 'node:child_process';
import { mkdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AppPaths } from './paths.js';
import { syncDirInPlace } from './sync-dir.js';

const run = promisify(execFile);

export class Snapshots {
  constructor(private readonly paths: AppPaths) {}

  /** Copies the app's data folder; returns the snapshot's path. */
  async take(app: string, label: string): Promise<string> {
    const src = this.paths.dataRoot(app);
    const dir = join(this.paths.snapshots(app), `${Date.now()}-${label.replace(/[^a-zA-Z0-9.+-]/g, '_')}`);
    await mkdir(src, { recursive: true });
    await mkdir(this.paths.snapshots(app), { recursive: true });
    await run('cp', ['-a', '--reflink=auto', src, dir]);
    return dir;
  }

  /** Makes the data folder's contents the snapshot's again, in place (running bind mounts keep seeing it). */
  async restore(app: string, snapshot: string): Promise<void> {
    const dst = this.paths.dataRoot(app);
    await mkdir(dst, { recursive: true });
    await syncDirInPlace(snapshot, dst);
  }

  async discard(snapshot: string): Promise<void> {
    await rm(snapshot, { recursive: true, force: true });
  }

  /** Bytes used by the app's data folder (what a snapshot will need at most). */
  async dataSize(app: string): Promise<number> {
    try {
      const { stdout } = await run('du', ['-sb', this.paths.dataRoot(app)]);
      return Number.parseInt(stdout.split('\t')[0] ?? '0', 10) || 0;
    } catch {
      return 0;
    }
  }

  async freeBytes(app: string): Promise<number> {
    await mkdir(this.paths.appDir(app), { recursive: true });
    const s = await statfs(this.paths.appDir(app));
    return s.bavail * s.bsize;
  }
}

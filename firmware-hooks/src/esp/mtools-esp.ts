// A FAT boot partition inside a disk image (or block device), edited with mtools at a byte offset
// (`mcopy -i disk.img@@1048576`). vfat cannot be mounted on the build/CI machines, and the image build writes the
// ESP this way too. Replacing a file is mcopy to a temporary name, then `mren -D o` over the target: one
// directory-entry update, the closest FAT gets to an atomic rename.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError, runCommand, type CommandRunner } from '../exec.js';
import { checkRelativePath, tempNameFor, type EspAccess } from './esp-access.js';

export interface MtoolsEspOptions {
  /** Disk image file or block device holding the FAT file system. */
  image: string;
  /** Byte offset of the FAT file system in `image` (the partition's start × sector size); 0 for a bare FAT image. */
  offset: number;
  run?: CommandRunner;
}

export class MtoolsEsp implements EspAccess {
  readonly location: string;
  private readonly spec: string;
  private readonly run: CommandRunner;
  // mtools refuses some images (odd geometry, non-DOS media bytes) without this; we never want its interactive checks.
  private readonly env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };

  constructor(opts: MtoolsEspOptions) {
    if (!Number.isSafeInteger(opts.offset) || opts.offset < 0) {
      throw new Error(`mtools ESP: offset must be a non-negative integer, got ${opts.offset}`);
    }
    this.spec = opts.offset === 0 ? opts.image : `${opts.image}@@${opts.offset}`;
    this.location = `${this.spec}:`;
    this.run = opts.run ?? runCommand;
  }

  private mtool(cmd: string, args: readonly string[]): Promise<string> {
    return this.run(cmd, ['-i', this.spec, ...args], { env: this.env });
  }

  async readFile(path: string): Promise<string | null> {
    checkRelativePath(path);
    try {
      return await this.mtool('mtype', [`::${path}`]);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async writeFile(path: string, content: string): Promise<void> {
    checkRelativePath(path);
    const dir = await mkdtemp(join(tmpdir(), 'hearth-mtools-'));
    try {
      const hostFile = join(dir, 'content');
      await writeFile(hostFile, content, { mode: 0o600 });
      const temp = tempNameFor(path);
      await this.mtool('mcopy', ['-o', hostFile, `::${temp}`]);
      await this.mtool('mren', ['-D', 'o', `::${temp}`, `::${path}`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async rename(from: string, to: string): Promise<void> {
    checkRelativePath(from);
    checkRelativePath(to);
    await this.mtool('mren', ['-D', 'o', `::${from}`, `::${to}`]);
  }

  async remove(path: string): Promise<void> {
    checkRelativePath(path);
    try {
      await this.mtool('mdel', [`::${path}`]);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async listFiles(dir: string): Promise<string[] | null> {
    const all = await this.listAll(dir);
    return all === null ? null : all.filter((n) => !n.endsWith('/')).sort();
  }

  async exists(path: string): Promise<boolean> {
    checkRelativePath(path);
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? '' : path.slice(0, slash);
    const name = path.slice(slash + 1);
    const all = await this.listAll(parent);
    return all !== null && (all.includes(name) || all.includes(`${name}/`));
  }

  /** Names in `dir` ('' for the root); directories end in '/'. */
  private async listAll(dir: string): Promise<string[] | null> {
    if (dir !== '') checkRelativePath(dir);
    let out: string;
    try {
      out = await this.mtool('mdir', ['-b', `::${dir}`]);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    // `mdir -b` prints one full path per line: "::/loader/entries/hearth-a.conf", directories with a trailing '/'.
    const prefix = dir === '' ? '::/' : `::/${dir}/`;
    return out
      .split('\n')
      .filter((line) => line.startsWith(prefix) && line.length > prefix.length)
      .map((line) => line.slice(prefix.length))
      .filter((name) => name !== './' && name !== '../');
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof CommandError && /not found/i.test(err.stderr);
}

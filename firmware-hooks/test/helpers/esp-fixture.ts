// Boot-partition fixtures over both EspAccess backends: a plain directory, and a real FAT file system inside a
// GPT disk image at a 1 MiB offset, edited with mtools (what the image build and the device see).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DirectoryEsp } from '../../src/esp/dir-esp.js';
import type { EspAccess } from '../../src/esp/esp-access.js';
import { MtoolsEsp } from '../../src/esp/mtools-esp.js';

export interface EspFixture {
  esp: EspAccess;
  workDir: string;
  /** Path → content of every file under the given directories, for "nothing changed" checks. */
  snapshot(dirs: string[]): Promise<Record<string, string>>;
  /** Checks the FAT file system (mtools backend only); throws when fsck finds damage. */
  fsck(): void;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: 'directory' | 'mtools';
  create(files: Record<string, string>): Promise<EspFixture>;
}

const MT_ENV = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
const OFFSET = 1024 * 1024;

async function snapshotOf(esp: EspAccess, dirs: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const dir of dirs) {
    for (const name of (await esp.listFiles(dir)) ?? []) {
      const path = dir === '' ? name : `${dir}/${name}`;
      out[path] = (await esp.readFile(path)) ?? '';
    }
  }
  return out;
}

export const directoryBackend: Backend = {
  name: 'directory',
  async create(files) {
    const workDir = await mkdtemp(join(tmpdir(), 'hearth-esp-dir-'));
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(workDir, path)), { recursive: true });
      await writeFile(join(workDir, path), content);
    }
    // An empty entries directory must exist for the "no entries" cases too.
    await mkdir(join(workDir, 'loader', 'entries'), { recursive: true });
    const esp = new DirectoryEsp(workDir);
    return {
      esp,
      workDir,
      snapshot: (dirs) => snapshotOf(esp, dirs),
      fsck() {},
      cleanup: () => rm(workDir, { recursive: true, force: true }),
    };
  },
};

export const mtoolsBackend: Backend = {
  name: 'mtools',
  async create(files) {
    const workDir = await mkdtemp(join(tmpdir(), 'hearth-esp-mt-'));
    const disk = join(workDir, 'disk.img');
    const fat = join(workDir, 'esp.fat');
    execFileSync('truncate', ['-s', '48M', disk]);
    execFileSync('sfdisk', ['-q', disk], { input: 'label: gpt\nstart=2048, size=65536, type=uefi, name="esp"\n' });
    execFileSync('mkfs.vfat', ['-C', '-n', 'HEARTHESP', fat, String(32 * 1024)], { stdio: 'ignore' });
    execFileSync('dd', [`if=${fat}`, `of=${disk}`, 'bs=512', 'seek=2048', 'conv=notrunc,sparse', 'status=none']);
    await rm(fat);
    const spec = `${disk}@@${OFFSET}`;
    const mt = (cmd: string, ...args: string[]) => execFileSync(cmd, ['-i', spec, ...args], { env: MT_ENV, stdio: 'pipe' });
    mt('mmd', '::loader');
    mt('mmd', '::loader/entries');
    const host = join(workDir, 'content');
    for (const [path, content] of Object.entries(files)) {
      await writeFile(host, content);
      mt('mcopy', '-o', host, `::${path}`);
    }
    await rm(host);
    const esp = new MtoolsEsp({ image: disk, offset: OFFSET });
    return {
      esp,
      workDir,
      snapshot: (dirs) => snapshotOf(esp, dirs),
      fsck() {
        // Check the partition's bytes as a bare FAT image: fsck.vfat has no offset option.
        const part = join(workDir, 'fsck.fat');
        execFileSync('dd', [`if=${disk}`, `of=${part}`, 'bs=512', 'skip=2048', 'count=65536', 'status=none']);
        try {
          execFileSync('fsck.vfat', ['-n', part], { stdio: 'pipe' });
        } finally {
          execFileSync('rm', ['-f', part]);
        }
      },
      cleanup: () => rm(workDir, { recursive: true, force: true }),
    };
  },
};

export const backends: Backend[] = [directoryBackend, mtoolsBackend];

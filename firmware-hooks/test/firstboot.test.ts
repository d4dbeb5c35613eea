// First boot against real tools: a sparse GPT disk image with an ext4 data partition (mke2fs at an offset) is
// "written to a bigger disk" (truncate), then grown with sfdisk + e2fsck + resize2fs through a loop device.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDiskOfPartlabel } from '../src/firstboot/find-disk.js';
import { growDataPartition } from '../src/firstboot/grow-effect.js';
import { hostnameForDevice } from '../src/firstboot/hostname.js';
import { FIRSTBOOT_DONE, runFirstBoot } from '../src/firstboot/run.js';
import { WATCHDOG_DROPIN, renderWatchdogDropIn } from '../src/firstboot/watchdog.js';
import { silentLogger } from './helpers/logger.js';

const DEVICE_ID = 'mfrggzdfmztwq2lknnwg23tpob';
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });

async function workDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-firstboot-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Reads the ext4 file system inside the image's data partition through a loop device. */
function inspectExt4(t: { teardown(fn: () => void): void }, disk: string, startSector: number, sizeSectors: number) {
  const loop = sh('losetup', ['--find', '--show', '--read-only', '--offset', String(startSector * 512), '--sizelimit', String(sizeSectors * 512), disk]).trim();
  let detached = false;
  const detach = () => {
    if (!detached) execFileSync('losetup', ['--detach', loop]);
    detached = true;
  };
  t.teardown(detach);
  try {
    const header = sh('dumpe2fs', ['-h', loop]);
    const blocks = Number(/^Block count:\s+(\d+)$/m.exec(header)?.[1]);
    const blockSize = Number(/^Block size:\s+(\d+)$/m.exec(header)?.[1]);
    const hello = execFileSync('debugfs', ['-R', 'cat /hello.txt', loop], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    execFileSync('e2fsck', ['-f', '-n', loop], { stdio: 'ignore' });
    return { bytes: blocks * blockSize, hello };
  } finally {
    detach();
  }
}

t.test('first boot on a disk image written to a bigger disk', async (t) => {
  const dir = await workDir(t);
  const disk = join(dir, 'disk.img');
  const src = join(dir, 'src');
  await mkdir(src);
  await writeFile(join(src, 'hello.txt'), 'owner data survives the resize\n');
  sh('truncate', ['-s', '64M', disk]);
  execFileSync('sfdisk', ['-q', disk], {
    input: 'label: gpt\nstart=2048, size=8192, type=uefi, name="esp"\nsize=16384, name="root-a"\nsize=16384, name="data"\n',
  });
  const dataStart = 2048 + 8192 + 16384;
  execFileSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', src, '-E', `offset=${dataStart * 512}`, disk, '8M'], { stdio: 'ignore' });
  t.equal(inspectExt4(t, disk, dataStart, 16384).bytes, 8 * 1024 * 1024, 'fixture: an 8 MiB file system');

  sh('truncate', ['-s', '256M', disk]);
  const root = join(dir, 'root');
  const dev = join(dir, 'dev');
  await mkdir(dev);
  await writeFile(join(dev, 'watchdog0'), '');
  const report = await runFirstBoot({ root, deviceId: DEVICE_ID, grow: { disk, data: { name: 'data' } }, devDir: dev, logger: silentLogger() });

  // 256 MiB = 524288 sectors; GPT backup takes the last 33; aligned end 522239.
  t.match(report.grow, { action: 'grow', partitionNumber: 3, start: dataStart, oldSize: 16384, newSize: 522239 - dataStart + 1 });
  const table = JSON.parse(sh('sfdisk', ['--json', disk])).partitiontable;
  t.equal(table.partitions[2].size, 522239 - dataStart + 1, 'partition table rewritten');
  t.equal(table.lastlba, 524254, 'GPT backup header moved to the new end of the disk');
  const fs = inspectExt4(t, disk, dataStart, 522239 - dataStart + 1);
  t.equal(fs.bytes, (522239 - dataStart + 1) * 512, 'file system fills the partition');
  t.equal(fs.hello, 'owner data survives the resize\n');

  t.equal(await readFile(join(root, 'etc/hostname'), 'utf8'), 'hearth-mfrggzdf\n');
  t.match(await readFile(join(root, WATCHDOG_DROPIN), 'utf8'), /^\[Manager\]\nRuntimeWatchdogSec=15s\nRebootWatchdogSec=600s\n/m);
  t.match(JSON.parse(await readFile(join(root, FIRSTBOOT_DONE), 'utf8')), { hostname: 'hearth-mfrggzdf', watchdog: { device: 'watchdog0' } });

  t.same(await runFirstBoot({ root, deviceId: DEVICE_ID, grow: { disk, data: { name: 'data' } }, devDir: dev, logger: silentLogger() }), {
    alreadyDone: true,
  });
  t.match(await growDataPartition({ disk, data: { name: 'data' }, logger: silentLogger() }), { action: 'none' }, 'growing again is a no-op');
});

t.test('first boot without a watchdog or grow step; a bad device ID stops before the marker', async (t) => {
  const dir = await workDir(t);
  const root = join(dir, 'root');
  const dev = join(dir, 'dev');
  await mkdir(dev);
  await t.rejects(runFirstBoot({ root, deviceId: 'NOT-AN-ID', grow: null, devDir: dev, logger: silentLogger() }), /26 characters/);
  await t.rejects(readFile(join(root, FIRSTBOOT_DONE)), { code: 'ENOENT' });
  const report = await runFirstBoot({ root, deviceId: DEVICE_ID, grow: null, devDir: dev, logger: silentLogger() });
  t.match(report, { grow: { action: 'skipped' }, watchdog: { action: 'none' }, hostname: 'hearth-mfrggzdf' });
  await t.rejects(readFile(join(root, WATCHDOG_DROPIN)), { code: 'ENOENT' });
  t.throws(() => hostnameForDevice('abc'), /26 characters/);
});

t.test('the disk behind a partition label, from /dev and /sys', async (t) => {
  const dir = await workDir(t);
  const dev = join(dir, 'dev');
  const sys = join(dir, 'sys');
  await mkdir(join(dev, 'disk', 'by-partlabel'), { recursive: true });
  await writeFile(join(dev, 'mmcblk0p3'), '');
  await symlink('../../mmcblk0p3', join(dev, 'disk', 'by-partlabel', 'data'));
  const part = join(sys, 'devices', 'platform', 'emmc2', 'mmc_host', 'mmc0', 'block', 'mmcblk0', 'mmcblk0p3');
  await mkdir(part, { recursive: true });
  await writeFile(join(part, 'partition'), '3\n');
  await mkdir(join(sys, 'class', 'block'), { recursive: true });
  await symlink(part, join(sys, 'class', 'block', 'mmcblk0p3'));
  t.same(await findDiskOfPartlabel('data', { dev, sys }), { disk: join(dev, 'mmcblk0'), partitionNumber: 3, partition: join(dev, 'mmcblk0p3') });
  await t.rejects(findDiskOfPartlabel('nope', { dev, sys }), /no partition labelled "nope"/);
  await t.rejects(findDiskOfPartlabel('../x', { dev, sys }), /invalid partition label/);
});

// The read-only image cannot write /etc at first boot, so it ships the drop-in in its overlay: the same settings.
t.test('the image overlay ships the watchdog drop-in this module renders', async (t) => {
  const overlay = join(import.meta.dirname, '../../image/overlay/common', WATCHDOG_DROPIN);
  t.equal(await readFile(overlay, 'utf8'), renderWatchdogDropIn());
});

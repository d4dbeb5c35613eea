// The release x86-64 image (HEARTH_DEV=0, what a user flashes, and what `npm run bench -- image` sizes): its root is
// a zstd level-19 squashfs with 1 MiB blocks, its initramfs a MODULES=list one, its root without the module trees
// image/hooks/board-x86-64.sh drops. It must still boot: the initramfs finds the disk (virtio here), mounts the
// squashfs, and hearth-health reports the agent healthy on the serial console. No agent API port here
// (that is the developer image's): the console line is the evidence.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QemuVm, VM_BOOT_TIMEOUT_MS, buildX86Image, repoRoot, run } from './support/vm.js';

const BOOT_TIMEOUT_MS = VM_BOOT_TIMEOUT_MS;

// Longer than .taprc's per-file 600 s: QEMU TCG boots (and cold image builds) on a loaded 2-core machine.
t.setTimeout(1_800_000);

t.test('release x86-64 image: zstd-19 root, small initramfs, pruned modules, boots to a healthy agent', { timeout: 1_800_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'hearth-release-x86-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const out = join(repoRoot, 'image/build/test-release-x86');
  const image = await buildX86Image(out, (l) => t.comment(l), { dev: false });

  const { stdout: sq } = await run('unsquashfs', ['-s', join(out, 'root.squashfs')]);
  t.match(sq, /Compression zstd\s+compression-level 19/, 'the root squashfs is zstd level 19');
  t.match(sq, /Block size 1048576/, 'with 1 MiB blocks');

  const initrd = join(out, 'initrd.img');
  t.ok(statSync(initrd).size < 20e6, `initramfs is small (${(statSync(initrd).size / 1e6).toFixed(1)} MB)`);
  const { stdout: listing } = await run('lsinitramfs', [initrd], { maxBuffer: 64 << 20 });
  for (const m of ['squashfs', 'overlay', 'ext4', 'virtio_blk', 'nvme', 'ahci', 'usb-storage', 'mmc_block', 'dm-verity']) {
    t.match(listing, new RegExp(`/${m}\\.ko`), `initramfs has ${m}`);
  }
  t.notMatch(listing, /kernel\/drivers\/net\//, 'initramfs has no network drivers (MODULES=list)');
  // The verified root: veritysetup and the script that opens the slot with the entry's root hash.
  t.match(listing, /^(usr\/)?sbin\/veritysetup$/m, 'initramfs has veritysetup');
  t.match(listing, /^scripts\/local-top\/hearth-verity$/m, 'initramfs has the hearth-verity script');

  // Every module modules.dep names exists (depmod ran after the pruning), and the dropped trees are gone.
  const modules = join(out, 'rootfs/usr/lib/modules');
  const { stdout: kvers } = await run('ls', [modules]);
  for (const kver of kvers.split('\n').filter(Boolean)) {
    const dep = readFileSync(join(modules, kver, 'modules.dep'), 'utf8');
    const missing = [...dep.matchAll(/^([^:]+):/gm)].map((m) => m[1]!).filter((p) => !existsSync(join(modules, kver, p)));
    t.same(missing, [], `${kver}: every module in modules.dep exists`);
    t.notOk(existsSync(join(modules, kver, 'kernel/sound/soc')), `${kver}: sound/soc dropped`);
    t.ok(existsSync(join(modules, kver, 'kernel/drivers/gpu/drm/i915')), `${kver}: i915 kept`);
    t.ok(existsSync(join(modules, kver, 'kernel/drivers/net/wireless')), `${kver}: Wi-Fi drivers kept`);
  }

  const disk = join(work, 'disk.qcow2');
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', image, '-F', 'raw', disk]);
  const vm = new QemuVm({ workDir: work, disk, format: 'qcow2' });
  t.teardown(() => vm.kill());
  const t0 = Date.now();
  await vm.start();
  await vm.waitForSerial(/hearth-health: ok slot=A/, BOOT_TIMEOUT_MS);
  t.pass(`booted to hearth-health ok in ${Math.round((Date.now() - t0) / 1000)} s`);
  t.notMatch(vm.serial(), /SQUASHFS error|Kernel panic/, 'no squashfs errors, no panic');
  const code = await vm.powerdown();
  t.equal(code, 0, 'QEMU exited cleanly after system_powerdown');
});

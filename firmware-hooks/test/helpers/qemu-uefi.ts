// A real UEFI machine for the systemd-boot adapter: QEMU (TCG) + OVMF + Debian's systemd-boot on an ESP inside a
// GPT disk image, edited with mtools. Both slots boot the host's Debian kernel with a busybox initramfs that prints
// the kernel command line to the serial port and powers off, so each "boot" tells which entry systemd-boot chose.
import { execFile, execFileSync } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
export const SYSTEMD_BOOT = '/usr/lib/systemd/boot/efi/systemd-bootx64.efi';
export const ESP_OFFSET = 1024 * 1024;

export async function findKernel(): Promise<string> {
  const names = (await readdir('/boot').catch(() => [] as string[])).filter((n) => n.startsWith('vmlinuz-')).sort();
  const last = names.at(-1);
  if (!last) throw new Error('no /boot/vmlinuz-*: install linux-image-cloud-amd64 (scripts/setup-host.sh)');
  return join('/boot', last);
}

const INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "HEARTH-BOOTED $(/bin/busybox cat /proc/cmdline)" > /dev/console
/bin/busybox poweroff -f
`;

/** Builds disk.img (GPT, 70 MiB ESP at 1 MiB) in `dir` with both slots' entries; returns its path. */
export async function buildUefiDisk(dir: string, loaderConf: string, entries: Record<string, string>): Promise<string> {
  const ir = join(dir, 'initramfs');
  await mkdir(join(ir, 'bin'), { recursive: true });
  await mkdir(join(ir, 'proc'));
  await copyFile('/bin/busybox', join(ir, 'bin', 'busybox'));
  await writeFile(join(ir, 'init'), INIT, { mode: 0o755 });
  execFileSync('sh', ['-c', 'find . | cpio -o -H newc --quiet | gzip -1 > ../initrd.img'], { cwd: ir });
  await rm(ir, { recursive: true });

  const disk = join(dir, 'disk.img');
  const fat = join(dir, 'esp.fat');
  execFileSync('truncate', ['-s', '80M', disk]);
  execFileSync('sfdisk', ['-q', disk], { input: 'label: gpt\nstart=2048, size=143360, type=uefi, name="esp"\n' });
  execFileSync('mkfs.vfat', ['-C', fat, String(143360 / 2)], { stdio: 'ignore' });
  execFileSync('dd', [`if=${fat}`, `of=${disk}`, 'bs=512', 'seek=2048', 'conv=notrunc,sparse', 'status=none']);
  await rm(fat);
  const spec = `${disk}@@${ESP_OFFSET}`;
  const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
  const mt = (cmd: string, ...args: string[]) => execFileSync(cmd, ['-i', spec, ...args], { env, stdio: 'pipe' });
  mt('mmd', '::EFI', '::EFI/BOOT', '::loader', '::loader/entries', '::hearth');
  // The removable-media path: OVMF boots it with no EFI boot entries configured.
  mt('mcopy', SYSTEMD_BOOT, '::EFI/BOOT/BOOTX64.EFI');
  mt('mcopy', await findKernel(), '::hearth/vmlinuz');
  mt('mcopy', join(dir, 'initrd.img'), '::hearth/initrd.img');
  const host = join(dir, 'file');
  for (const [path, content] of Object.entries({ 'loader/loader.conf': loaderConf, ...entries })) {
    await writeFile(host, content);
    mt('mcopy', host, `::${path}`);
  }
  await copyFile(OVMF_VARS, join(dir, 'vars.fd'));
  return disk;
}

/** One power-on to power-off; returns the kernel command line the booted entry passed. */
export async function bootOnce(dir: string, disk: string): Promise<string> {
  const serial = join(dir, 'serial.log');
  await writeFile(serial, '');
  await new Promise<void>((resolve, reject) => {
    execFile(
      'qemu-system-x86_64',
      [
        '-machine', 'q35', '-accel', 'tcg', '-cpu', 'max', '-m', '512',
        '-nographic', '-no-reboot', '-monitor', 'none', '-display', 'none',
        '-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`,
        '-drive', `if=pflash,format=raw,file=${join(dir, 'vars.fd')}`,
        '-drive', `file=${disk},format=raw,if=virtio`,
        '-serial', `file:${serial}`,
      ],
      // Allow 300 s per boot under emulation on a loaded CI machine; a boot here normally takes ~15 s.
      { timeout: 300_000, killSignal: 'SIGKILL' },
      (err) => (err ? reject(new Error(`qemu boot failed: ${err.message}`)) : resolve()),
    );
  });
  const out = await readFile(serial, 'utf8');
  const line = /HEARTH-BOOTED (.*)/.exec(out)?.[1];
  if (!line) throw new Error(`no HEARTH-BOOTED line on the serial console; last output: ${out.slice(-500)}`);
  return line.trim();
}

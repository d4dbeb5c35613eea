// Raspberry Pi 4 image: build it (arm64 via qemu-user binfmt; the base is cached), check the MBR layout, the
// firmware files, autoboot.txt/config.txt/cmdline.txt (parsed with firmware-hooks' own strict parser), then boot slot
// A's root under `qemu-system-aarch64 -M virt -cpu cortex-a72` with the same kernel and initramfs (direct kernel boot;
// QEMU has no Pi 4 machine) up to the agent's health endpoint.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SLOT_PARTITIONS, parseAutoboot } from '../../firmware-hooks/src/rpi/autoboot.js';
import { QemuVm, VM_BOOT_TIMEOUT_MS, repoRoot, run, waitForHttp200 } from './support/vm.js';

interface Part { start: number; size: number; type: string }

// Longer than .taprc's per-file 600 s: QEMU TCG boots (and cold image builds) on a loaded 2-core machine.
t.setTimeout(3_600_000);

t.test('rpi image: MBR tryboot layout, firmware, and slot A boots to the agent under QEMU virt', { timeout: 3_600_000 }, async (t) => {
  const out = join(repoRoot, 'image/build/test-rpi');
  await new Promise<void>((ok, fail) => {
    const p = spawn(join(repoRoot, 'image/build.sh'), ['--target', 'rpi'], {
      env: { ...process.env, HEARTH_DEV: '1', HEARTH_IMAGE_OUT: out }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let tail = '';
    p.stderr.on('data', (b: Buffer) => { tail = (tail + b.toString()).slice(-3000); });
    p.on('exit', (c) => (c === 0 ? ok() : fail(new Error(`rpi build exited ${c}:\n${tail}`))));
  });
  const image = join(out, 'hearth-rpi-dev.img');
  const work = mkdtempSync(join(tmpdir(), 'hearth-rpi-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));

  const table = JSON.parse((await run('sfdisk', ['--json', image])).stdout) as { partitiontable: { label: string; partitions: Part[] } };
  t.equal(table.partitiontable.label, 'dos', 'MBR (the EEPROM tryboot scheme)');
  const parts = table.partitiontable.partitions;
  t.same(parts.map((p) => p.type), ['c', 'c', 'c', '5', '83', '83', '83'], 'autoboot, boot A, boot B, extended: root A, root B, data');
  const at = (n: number) => `${image}@@${parts[n - 1]!.start * 512}`;
  const cat = async (n: number, f: string) => (await run('mtype', ['-i', at(n), `::/${f}`])).stdout;

  const autoboot = await cat(1, 'autoboot.txt');
  t.same(parseAutoboot(autoboot, DEFAULT_SLOT_PARTITIONS, 'autoboot.txt'), { primary: 'A', tryboot: 'B' });
  t.match(autoboot, /tryboot_a_b=1/);

  const bootA = (await run('mdir', ['-b', '-i', at(2), '::/'])).stdout;
  for (const f of ['start4.elf', 'fixup4.dat', 'bcm2711-rpi-4-b.dtb', 'vmlinuz', 'initrd.img', 'config.txt', 'cmdline.txt']) {
    t.match(bootA, new RegExp(`/${f.replace('.', '\\.')}\\b`), `slot A boot partition has ${f}`);
  }
  const config = await cat(2, 'config.txt');
  t.match(config, /^arm_64bit=1$/m);
  t.match(config, /^kernel=vmlinuz$/m);
  t.match(config, /^initramfs initrd\.img followkernel$/m);
  const cmdline = (await cat(2, 'cmdline.txt')).trim();
  const diskId = (await run('sfdisk', ['--disk-id', image])).stdout.trim().replace(/^0x/, '');
  t.match(cmdline, new RegExp(`root=PARTUUID=${diskId}-05 `), 'slot A root is partition 5 by PARTUUID');
  t.match(cmdline, /hearth\.slot=A$/);
  t.match(await cat(3, 'cmdline.txt'), new RegExp(`root=PARTUUID=${diskId}-06 .*hearth\\.slot=B`));

  // Same kernel and initramfs, QEMU's virt machine: the Pi's serial0 is ttyAMA0 there.
  await run('mcopy', ['-i', at(2), '::/vmlinuz', '::/initrd.img', work]);
  const disk = join(work, 'disk.qcow2');
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', image, '-F', 'raw', disk]);
  const append = cmdline.split(' ').filter((w) => !w.startsWith('console=')).concat('console=ttyAMA0,115200').join(' ');
  const vm = new QemuVm({ workDir: work, disk, format: 'qcow2', arch: 'aarch64',
    directBoot: { kernel: join(work, 'vmlinuz'), initrd: join(work, 'initrd.img'), append } });
  t.teardown(() => vm.kill());
  await vm.start();
  const health = await waitForHttp200(vm, '/v1/health', 600_000);
  t.match(JSON.parse(health.body), { status: 'ok', engine: 'up' }, 'agent healthy on the arm64 root, podman up');
  await vm.waitForSerial(/HEARTH-BOOT-COMPLETE hearth\.slot=A/, VM_BOOT_TIMEOUT_MS);
  t.match(readFileSync(vm.serialLog, 'latin1'), /hearth-health: ok slot=A/);
  t.equal(await vm.powerdown(), 0, 'clean power-off');
});

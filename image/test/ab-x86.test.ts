// A/B on the x86-64 image, end to end under QEMU with firmware-hooks' own CLI and the real systemd-boot:
//  1. slot B armed for a trial but unbootable: its partition holds the slot image with one byte changed, and its boot
//     entry the root hash of the real one. dm-verity refuses the block, the initramfs cannot mount the root, panic=10
//     reboots, systemd-boot counts the trial entry down and falls back to A.
//  2. slot B filled with the right slot image and armed again: B boots through dm-verity, hearth-health finds the
//     agent healthy and commits B through hearth-firmware; B is then the primary on the ESP.
import t from 'tap';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { QemuVm, VM_BOOT_TIMEOUT_MS, buildDevImage, repoRoot, run, waitForHttp200 } from './support/vm.js';

const BOOT_MS = VM_BOOT_TIMEOUT_MS;
interface Part { node: string; start: number; size: number; name: string }
interface BootState { booted: string; primary: string; trial: { slot: string; triesLeft: number } | null; lastBoot: string }

// Longer than .taprc's per-file 600 s: QEMU TCG boots (and cold image builds) on a loaded 2-core machine.
t.setTimeout(2_400_000);

t.test('A/B: a broken trial slot falls back to A; a good one is committed', { timeout: 2_400_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'hearth-ab-x86-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const image = await buildDevImage(join(repoRoot, 'image/build/test-ab-x86'), (l) => t.comment(l));
  const out = dirname(image);
  const disk = join(work, 'disk.img');
  await run('cp', ['--sparse=always', image, disk]);

  const { stdout } = await run('sfdisk', ['--json', disk]);
  const parts = (JSON.parse(stdout) as { partitiontable: { partitions: Part[] } }).partitiontable.partitions;
  const byName = (n: string) => {
    const p = parts.find((x) => x.name === n);
    if (!p) throw new Error(`no partition named ${n} in ${disk}`);
    return p;
  };
  const espAt = `${disk}@@${byName('esp').start * 512}`;
  const firmware = async (slot: 'A' | 'B', ...args: string[]): Promise<BootState> => {
    const cmdline = join(work, `cmdline-${slot}`);
    writeFileSync(cmdline, `root=PARTLABEL=root-${slot.toLowerCase()} hearth.slot=${slot}\n`);
    const r = await run('node', ['--import', 'tsx', 'firmware-hooks/src/cli.ts', ...args, '--esp-image', espAt, '--cmdline', cmdline],
      { cwd: repoRoot });
    return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as BootState;
  };
  const entries = async () => (await run('mdir', ['-b', '-i', espAt, '::/loader/entries'])).stdout;
  const loaderConf = async () => (await run('mtype', ['-i', espAt, '::/loader/loader.conf'])).stdout;
  const boot = async (label: string) => {
    const dir = join(work, label);
    await run('mkdir', ['-p', dir]);
    const vm = new QemuVm({ workDir: dir, disk, format: 'raw' });
    t.teardown(() => vm.kill());
    await vm.start();
    return vm;
  };

  // What an update installs: slot B's kernel and initramfs on the ESP, its boot entry naming the root hash of the
  // slot image, and the slot image in root-b. Here the image has one byte changed inside its first block (not in
  // the squashfs superblock, so without dm-verity the mount would not notice).
  await run('mmd', ['-i', espAt, '::/hearth/b']);
  await run('mcopy', ['-i', espAt, join(out, 'vmlinuz'), join(out, 'initrd.img'), '::/hearth/b/']);
  const verity = readFileSync(join(out, 'root.verity'), 'utf8').trim();
  const entryB = '::/loader/entries/hearth-b.conf';
  const entryText = (await run('mtype', ['-i', espAt, entryB])).stdout;
  const withVerity = entryText.replace(/^options root=PARTLABEL=root-b /m, `options root=PARTLABEL=root-b hearth.verity=${verity} `);
  t.not(withVerity, entryText, 'slot B entry names its root hash');
  writeFileSync(join(work, 'hearth-b.conf'), withVerity);
  await run('mcopy', ['-o', '-i', espAt, join(work, 'hearth-b.conf'), entryB]);
  const rootB = byName('root-b');
  const writeSlotB = async (slotImage: string) =>
    run('dd', [`if=${slotImage}`, `of=${disk}`, 'bs=512', `seek=${rootB.start}`, 'conv=notrunc', 'status=none']);
  const tampered = join(work, 'root-slot-tampered.img');
  copyFileSync(join(out, 'root-slot.img'), tampered);
  const fd = openSync(tampered, 'r+');
  const at = 2000;
  const one = Buffer.alloc(1);
  readSync(fd, one, 0, 1, at);
  writeSync(fd, Buffer.from([one[0]! ^ 0xff]), 0, 1, at);
  closeSync(fd);
  await writeSlotB(tampered);
  t.equal((await firmware('A', 'mark-trial', 'B')).trial?.triesLeft, 3, 'trial of B armed with 3 tries');

  const vm1 = await boot('fallback');
  const done1 = await vm1.waitForSerial(/HEARTH-BOOT-COMPLETE hearth\.slot=A .* grow_data=(\S+)/, 4 * BOOT_MS);
  // The disk is the image as built: its data partition already reaches the end, so the sysfs check (no node start)
  // skipped hearth-grow-data.
  t.equal(done1[1], 'exec-condition', 'hearth-grow-data skipped: nothing to grow');
  t.notMatch(vm1.serial(), /hearth-grow-data: \/data is/, 'the grow hook did not run');
  const serial1 = vm1.serial();
  t.ok((serial1.match(/Rebooting automatically due to panic= boot argument/g) ?? []).length >= 1, 'B failed to mount its root and rebooted');
  t.match(serial1, /hearth-verity: PARTLABEL=root-b \(\S+\) opened as \/dev\/mapper\/hearth-root/, 'B was opened through dm-verity');
  t.match(serial1, /device-mapper: verity: [\d:]+: data block 0 is corrupted/, 'dm-verity refused the changed block');
  t.match(serial1, /hearth-health: ok slot=A/);
  await waitForHttp200(vm1, '/v1/health', BOOT_MS);
  t.equal(await vm1.powerdown(), 0, 'clean power-off');
  t.match(await entries(), /hearth-trial-b\+0-3\.conf/, 'systemd-boot used up all 3 tries of B');
  const fellBack = await firmware('A', 'status');
  t.same({ booted: fellBack.booted, primary: fellBack.primary, lastBoot: fellBack.lastBoot },
    { booted: 'A', primary: 'A', lastBoot: 'trial-failed-fell-back' });

  // The update, done right this time: the slot image as built into root-b (its entry already names its root hash),
  // then a fresh trial.
  await writeSlotB(join(out, 'root-slot.img'));
  await firmware('A', 'mark-bad', 'B');
  t.equal((await firmware('A', 'mark-trial', 'B')).trial?.slot, 'B', 'trial of B re-armed');

  const vm2 = await boot('commit');
  await waitForHttp200(vm2, '/v1/health', BOOT_MS);
  await vm2.waitForSerial(/hearth-health: committed slot=B/, BOOT_MS);
  await vm2.waitForSerial(/HEARTH-BOOT-COMPLETE hearth\.slot=B .* root=\/dev\/mapper\/hearth-root/, BOOT_MS);
  t.equal(await vm2.powerdown(), 0, 'clean power-off');
  const committed = await firmware('B', 'status');
  t.same({ booted: committed.booted, primary: committed.primary, trial: committed.trial }, { booted: 'B', primary: 'B', trial: null });
  t.match(await entries(), /hearth-b\.conf/);
  t.match(await loaderConf(), /^default hearth-b\.conf$/m, 'loader.conf now defaults to B');
});

// Raspberry Pi tryboot adapter over a directory and a real FAT image (mtools), with the device tree and boot id
// as fixture files: fresh → trial armed → tryboot boot of B → commit; or → came back on A → mark bad; bad input.
import t, { type Test } from 'tap';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootConfigError, BootStateError } from '../src/boot/contract.js';
import { RpiTrybootAdapter } from '../src/rpi/adapter.js';
import { renderAutoboot, DEFAULT_SLOT_PARTITIONS } from '../src/rpi/autoboot.js';
import { backends } from './helpers/esp-fixture.js';
import { silentLogger } from './helpers/logger.js';

const FRESH_AUTOBOOT = '[all]\ntryboot_a_b=1\nboot_partition=2\n[tryboot]\nboot_partition=3\n';

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

async function setup(t: Test, backend: (typeof backends)[number], files: Record<string, string>) {
  const fx = await backend.create(files);
  const proc = await mkdtemp(join(tmpdir(), 'hearth-rpi-proc-'));
  t.teardown(async () => {
    await fx.cleanup();
    await rm(proc, { recursive: true, force: true });
  });
  const dtDir = join(proc, 'device-tree', 'chosen', 'bootloader');
  await mkdir(dtDir, { recursive: true });
  const bootIdPath = join(proc, 'boot_id');
  /** What the firmware and kernel report for one boot. */
  const boot = async (partition: number, tryboot: boolean, bootId: string) => {
    await writeFile(join(dtDir, 'partition'), u32(partition));
    await writeFile(join(dtDir, 'tryboot'), u32(tryboot ? 1 : 0));
    await writeFile(bootIdPath, `${bootId}\n`);
  };
  await boot(2, false, '11111111-1111-4111-8111-111111111111');
  const adapter = new RpiTrybootAdapter({ bootPartition: fx.esp, logger: silentLogger(), deviceTreeDir: dtDir, bootIdPath });
  return { fx, adapter, boot, dtDir };
}

for (const backend of backends) {
  t.test(`${backend.name}: fresh → trial of B → tryboot boot → commit`, async (t) => {
    const { fx, adapter, boot } = await setup(t, backend, { 'autoboot.txt': FRESH_AUTOBOOT });
    t.same(await adapter.state(), { booted: 'A', primary: 'A', trial: null, lastBoot: 'normal' });

    await adapter.markTrial('B');
    t.equal(await fx.esp.readFile('autoboot.txt'), FRESH_AUTOBOOT, 'autoboot.txt already points [tryboot] at B');
    t.equal(await fx.esp.readFile('hearth-trial.txt'), 'slot=B\narmed-boot-id=11111111-1111-4111-8111-111111111111\n');
    t.same(await adapter.state(), { booted: 'A', primary: 'A', trial: { slot: 'B', triesLeft: 1 }, lastBoot: 'normal' });
    t.same(adapter.trialRebootCommand(), ['systemctl', 'reboot', '0 tryboot']);

    await boot(3, true, '22222222-2222-4222-8222-222222222222');
    t.equal(await adapter.bootedSlot(), 'B');
    t.same(await adapter.state(), { booted: 'B', primary: 'A', trial: { slot: 'B', triesLeft: 0 }, lastBoot: 'trial-ok' });
    await t.rejects(adapter.markTrial('A'), BootStateError, 'no new trial while running an uncommitted one');

    await adapter.commitBooted();
    t.equal(await fx.esp.readFile('autoboot.txt'), '[all]\ntryboot_a_b=1\nboot_partition=3\n[tryboot]\nboot_partition=2\n');
    t.equal(await fx.esp.readFile('hearth-trial.txt'), null);
    // The next boot is a normal one, from the new primary.
    await boot(3, false, '33333333-3333-4333-8333-333333333333');
    t.same(await adapter.state(), { booted: 'B', primary: 'B', trial: null, lastBoot: 'normal' });

    await adapter.markTrial('A');
    t.same(await adapter.state(), { booted: 'B', primary: 'B', trial: { slot: 'A', triesLeft: 1 }, lastBoot: 'normal' });
    fx.fsck();
  });

  t.test(`${backend.name}: trial of B did not come up, firmware fell back to A, mark bad`, async (t) => {
    const { fx, adapter, boot } = await setup(t, backend, { 'autoboot.txt': FRESH_AUTOBOOT });
    await adapter.markTrial('B');
    await adapter.commitBooted();
    t.not(await fx.esp.readFile('hearth-trial.txt'), null, 'a routine commit in the arming boot keeps the trial armed');
    // The tryboot boot of B hung; the watchdog reset the board without the flag, so the firmware booted A.
    await boot(2, false, '44444444-4444-4444-8444-444444444444');
    t.same(await adapter.state(), { booted: 'A', primary: 'A', trial: { slot: 'B', triesLeft: 0 }, lastBoot: 'trial-failed-fell-back' });
    await t.rejects(adapter.markBad('A'), { message: /primary/ });
    await adapter.markBad('B');
    t.equal(await fx.esp.readFile('hearth-trial.txt'), null);
    t.equal(await fx.esp.readFile('autoboot.txt'), FRESH_AUTOBOOT);
    t.same(await adapter.state(), { booted: 'A', primary: 'A', trial: null, lastBoot: 'normal' });
    fx.fsck();
  });

  const broken: [string, string | null, RegExp][] = [
    ['missing autoboot.txt', null, /missing/],
    ['garbled line', '[all]\ntryboot_a_b=1\nboot_partition=2\n[tryboot]\nboot_partition=3\nthis is not a setting\n', /line 6: cannot parse/],
    ['no tryboot_a_b', '[all]\nboot_partition=2\n[tryboot]\nboot_partition=3\n', /tryboot_a_b=1/],
    ['no [tryboot]', '[all]\ntryboot_a_b=1\nboot_partition=2\n', /\[tryboot\]/],
    ['unknown partition', '[all]\ntryboot_a_b=1\nboot_partition=7\n[tryboot]\nboot_partition=3\n', /boot_partition=7 is neither/],
    ['same slot twice', '[all]\ntryboot_a_b=1\nboot_partition=3\n[tryboot]\nboot_partition=3\n', /both boot slot B/],
  ];
  for (const [name, autoboot, problem] of broken) {
    t.test(`${backend.name}: ${name} → error naming autoboot.txt, nothing changed`, async (t) => {
      const { fx, adapter } = await setup(t, backend, autoboot === null ? { 'config.txt': 'x\n' } : { 'autoboot.txt': autoboot });
      const before = await fx.snapshot(['']);
      for (const call of [() => adapter.state(), () => adapter.markTrial('B'), () => adapter.commitBooted(), () => adapter.markBad('B')]) {
        const err = await call().then(() => null, (e: unknown) => e);
        t.type(err, BootConfigError);
        t.match((err as BootConfigError).file, /autoboot\.txt$/);
        t.match((err as Error).message, problem);
      }
      t.same(await fx.snapshot(['']), before);
    });
  }

  t.test(`${backend.name}: device tree and marker problems name their file`, async (t) => {
    const { fx, adapter, boot, dtDir } = await setup(t, backend, { 'autoboot.txt': FRESH_AUTOBOOT });
    const before = await fx.snapshot(['']);
    await boot(5, false, '55555555-5555-4555-8555-555555555555');
    await t.rejects(adapter.markTrial('B'), { name: 'BootConfigError', file: join(dtDir, 'partition'), message: /partition 5/ });
    await writeFile(join(dtDir, 'partition'), Buffer.from([0, 2]));
    await t.rejects(adapter.state(), { file: join(dtDir, 'partition'), message: /4-byte/ });
    await rm(join(dtDir, 'partition'));
    await t.rejects(adapter.state(), { file: join(dtDir, 'partition'), message: /cannot read/ });
    t.same(await fx.snapshot(['']), before);

    await boot(2, false, '55555555-5555-4555-8555-555555555555');
    await rm(join(dtDir, 'tryboot'));
    t.equal((await adapter.state()).lastBoot, 'normal', 'firmware without a tryboot property: a normal boot');
    await fx.esp.writeFile('hearth-trial.txt', 'slot=C\n');
    await t.rejects(adapter.commitBooted(), { file: /hearth-trial\.txt$/, message: /slot must be A or B/ });
  });
}

t.test('renderAutoboot round-trips the default layout', async (t) => {
  t.equal(renderAutoboot({ primary: 'A', tryboot: 'B' }, DEFAULT_SLOT_PARTITIONS), FRESH_AUTOBOOT);
});

// systemd-boot adapter over a directory and over a real FAT image edited with mtools: the full A/B lifecycle
// (fresh → trial → loader counts down → commit, or → exhausted → fell back → mark bad) and bad-input handling.
import t, { type Test } from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootConfigError, BootStateError } from '../src/boot/contract.js';
import { SystemdBootAdapter } from '../src/systemd-boot/adapter.js';
import { freshEspFiles } from '../src/systemd-boot/layout.js';
import { backends, type EspFixture } from './helpers/esp-fixture.js';
import { silentLogger } from './helpers/logger.js';

const DIRS = ['', 'loader', 'loader/entries'];

function fresh(): Record<string, string> {
  return freshEspFiles(
    { slot: 'A', linux: '/hearth/a/vmlinuz', initrd: ['/hearth/a/initrd.img'], options: 'root=PARTLABEL=root-a ro' },
    { slot: 'B', linux: '/hearth/b/vmlinuz', initrd: ['/hearth/b/initrd.img'], options: 'root=PARTLABEL=root-b ro' },
  );
}

async function setup(t: Test, backend: (typeof backends)[number], files: Record<string, string>) {
  const fx: EspFixture = await backend.create(files);
  const procDir = await mkdtemp(join(tmpdir(), 'hearth-proc-'));
  t.teardown(async () => {
    await fx.cleanup();
    await rm(procDir, { recursive: true, force: true });
  });
  const cmdlinePath = join(procDir, 'cmdline');
  const boot = async (cmdline: string) => writeFile(cmdlinePath, `${cmdline}\n`);
  await boot('BOOT_IMAGE=/hearth/a/vmlinuz root=PARTLABEL=root-a ro hearth.slot=A');
  const adapter = new SystemdBootAdapter({ esp: fx.esp, cmdlinePath, logger: silentLogger() });
  const entries = async () => ((await fx.esp.listFiles('loader/entries')) ?? []).sort();
  const defaultLine = async () => /^default (\S+)$/m.exec((await fx.esp.readFile('loader/loader.conf')) ?? '')?.[1];
  return { fx, adapter, boot, entries, defaultLine };
}

for (const backend of backends) {
  t.test(`${backend.name}: fresh install, trial of B, loader counts down, commit`, async (t) => {
    const { fx, adapter, boot, entries, defaultLine } = await setup(t, backend, fresh());
    t.same(await adapter.state(), { booted: 'A', primary: 'A', trial: null, lastBoot: 'normal' });
    t.equal(await adapter.bootedSlot(), 'A');

    await adapter.markTrial('B');
    t.same(await entries(), ['hearth-a.conf', 'hearth-trial-b+3.conf']);
    t.equal(await defaultLine(), 'hearth-*');
    const conf = (await fx.esp.readFile('loader/loader.conf')) ?? '';
    t.match(conf, /^timeout 0$/m, 'other loader.conf lines are kept');
    t.match(conf, /^editor no$/m);
    t.same(await adapter.state(), { booted: 'A', primary: 'A', trial: { slot: 'B', triesLeft: 3 }, lastBoot: 'normal' });
    t.same(await entries(), ['hearth-a.conf', 'hearth-trial-b+3.conf'], 'state() changes nothing');

    // What systemd-boot does when it picks the entry: count one try, then boot it.
    await fx.esp.rename('loader/entries/hearth-trial-b+3.conf', 'loader/entries/hearth-trial-b+2-1.conf');
    await boot('BOOT_IMAGE=/hearth/b/vmlinuz root=PARTLABEL=root-b ro hearth.slot=B');
    t.same(await adapter.state(), { booted: 'B', primary: 'A', trial: { slot: 'B', triesLeft: 2 }, lastBoot: 'trial-ok' });

    await adapter.commitBooted();
    t.same(await entries(), ['hearth-a.conf', 'hearth-b.conf']);
    t.equal(await defaultLine(), 'hearth-b.conf');
    t.same(await adapter.state(), { booted: 'B', primary: 'B', trial: null, lastBoot: 'normal' });
    const b = (await fx.esp.readFile('loader/entries/hearth-b.conf')) ?? '';
    t.match(b, /^options root=PARTLABEL=root-b ro hearth\.slot=B$/m, 'entry contents survive the renames');

    await adapter.commitBooted();
    t.same(await entries(), ['hearth-a.conf', 'hearth-b.conf'], 'commit is idempotent');

    // And back the other way: a trial of A from primary B sorts first too (the "trial-" infix).
    await adapter.markTrial('A');
    t.same(await entries(), ['hearth-b.conf', 'hearth-trial-a+3.conf']);
    t.same((await adapter.state()).primary, 'B');
    fx.fsck();
  });

  t.test(`${backend.name}: trial exhausted, loader fell back, mark bad`, async (t) => {
    const { fx, adapter, entries, defaultLine } = await setup(t, backend, fresh());
    await adapter.markTrial('B');
    // Three failed attempts: +3 → +2-1 → +1-2 → +0-3, then systemd-boot sorts it last and boots A.
    for (const [from, to] of [['+3', '+2-1'], ['+2-1', '+1-2'], ['+1-2', '+0-3']]) {
      await fx.esp.rename(`loader/entries/hearth-trial-b${from}.conf`, `loader/entries/hearth-trial-b${to}.conf`);
    }
    t.same(await adapter.state(), { booted: 'A', primary: 'A', trial: { slot: 'B', triesLeft: 0 }, lastBoot: 'trial-failed-fell-back' });

    await adapter.commitBooted();
    t.equal(await defaultLine(), 'hearth-a.conf', 'committing the fallback pins the default to it');
    t.equal((await adapter.state()).lastBoot, 'trial-failed-fell-back', 'the failed trial stays visible until markBad');

    await adapter.markBad('B');
    t.same(await entries(), ['hearth-a.conf', 'hearth-b+0-3.conf']);
    t.equal(await defaultLine(), 'hearth-a.conf');
    t.same(await adapter.state(), { booted: 'A', primary: 'A', trial: null, lastBoot: 'normal' });

    await adapter.markTrial('B');
    t.same(await entries(), ['hearth-a.conf', 'hearth-trial-b+3.conf'], 'a new bundle in B can be tried again');
    fx.fsck();
  });

  t.test(`${backend.name}: refusals leave the ESP unchanged`, async (t) => {
    const { fx, adapter, boot } = await setup(t, backend, fresh());
    const before = await fx.snapshot(DIRS);
    await t.rejects(adapter.markTrial('A'), BootStateError, 'no trial of the running slot');
    await t.rejects(adapter.markBad('A'), { name: 'BootStateError', message: /primary/ });
    await adapter.markTrial('B');
    const armed = await fx.snapshot(DIRS);
    await fx.esp.rename('loader/entries/hearth-trial-b+3.conf', 'loader/entries/hearth-trial-b+2-1.conf');
    await boot('hearth.slot=B');
    await t.rejects(adapter.markTrial('A'), { message: /itself on trial/ });
    await fx.esp.rename('loader/entries/hearth-trial-b+2-1.conf', 'loader/entries/hearth-trial-b+3.conf');
    await boot('hearth.slot=A');
    t.same(await fx.snapshot(DIRS), armed);
    t.notSame(armed, before);
  });

  t.test(`${backend.name}: committing a healthy boot keeps an armed trial armed`, async (t) => {
    const { adapter, entries, defaultLine } = await setup(t, backend, fresh());
    await adapter.markTrial('B');
    await adapter.commitBooted();
    t.same(await entries(), ['hearth-a.conf', 'hearth-trial-b+3.conf']);
    t.equal(await defaultLine(), 'hearth-*');
  });

  const broken: [string, (f: Record<string, string>) => void, RegExp, RegExp][] = [
    ['missing loader.conf', (f) => delete f['loader/loader.conf'], /loader\/loader\.conf/, /missing/],
    ['garbled default', (f) => (f['loader/loader.conf'] = 'default arch.conf\ntimeout 0\n'), /loader\/loader\.conf/, /arch\.conf/],
    ['no default line', (f) => (f['loader/loader.conf'] = 'timeout 3\n'), /loader\/loader\.conf/, /no "default"/],
    ['missing entry for B', (f) => delete f['loader/entries/hearth-b.conf'], /loader\/entries/, /no boot entry for slot B/],
    ['unknown entry name', (f) => (f['loader/entries/hearth-c.conf'] = 'title x\n'), /hearth-c\.conf/, /not a valid Hearth boot entry/],
    ['two entries for A', (f) => (f['loader/entries/hearth-a+1.conf'] = 'title x\n'), /loader\/entries/, /more than one entry for slot A/],
  ];
  for (const [name, breakIt, file, problem] of broken) {
    t.test(`${backend.name}: ${name} → clear error naming the file, nothing changed`, async (t) => {
      const files = fresh();
      breakIt(files);
      const { fx, adapter } = await setup(t, backend, files);
      const before = await fx.snapshot(DIRS);
      for (const call of [() => adapter.state(), () => adapter.markTrial('B'), () => adapter.commitBooted(), () => adapter.markBad('B')]) {
        const err = await call().then(() => null, (e: unknown) => e);
        t.type(err, BootConfigError);
        t.match((err as BootConfigError).file, file);
        t.match((err as Error).message, problem);
      }
      t.same(await fx.snapshot(DIRS), before);
    });
  }

  t.test(`${backend.name}: unknown slot on the kernel command line`, async (t) => {
    const { fx, adapter, boot } = await setup(t, backend, fresh());
    const before = await fx.snapshot(DIRS);
    await boot('root=/dev/sda2 hearth.slot=C');
    await t.rejects(adapter.markTrial('B'), { name: 'BootConfigError', message: /cmdline: unknown slot "C"/ });
    await boot('root=/dev/sda2 quiet');
    await t.rejects(adapter.bootedSlot(), { message: /no hearth\.slot=/ });
    await boot('root=PARTLABEL=root-b quiet');
    t.equal(await adapter.bootedSlot(), 'B', 'the root partition label is accepted too');
    t.same(await fx.snapshot(DIRS), before);
  });
}

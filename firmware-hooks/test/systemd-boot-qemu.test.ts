// The systemd-boot scheme against the real loader: Debian's systemd-boot under QEMU+OVMF picks the entries, bumps
// the counters and falls back; the adapter (via mtools on the same disk image) reads and steers it between boots.
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MtoolsEsp } from '../src/esp/mtools-esp.js';
import { SystemdBootAdapter } from '../src/systemd-boot/adapter.js';
import { renderEntry, renderLoaderConf } from '../src/systemd-boot/layout.js';
import { bootOnce, buildUefiDisk, ESP_OFFSET } from './helpers/qemu-uefi.js';
import { silentLogger } from './helpers/logger.js';

// Up to ~7 emulated boots of ~15 s each; generous for a loaded 2-core CI machine (the .taprc file limit is 600 s).
t.setTimeout(590_000);

t.test('real systemd-boot: trial counted down and fell back, then a committed trial, then a trial of A', { timeout: 590_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-qemu-sdboot-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const entry = (slot: 'A' | 'B') =>
    renderEntry({ slot, linux: '/hearth/vmlinuz', initrd: ['/hearth/initrd.img'], options: 'console=ttyS0 quiet panic=-1' });
  const disk = await buildUefiDisk(dir, renderLoaderConf('A'), {
    'loader/entries/hearth-a.conf': entry('A'),
    'loader/entries/hearth-b.conf': entry('B'),
  });
  const esp = new MtoolsEsp({ image: disk, offset: ESP_OFFSET });
  const cmdlinePath = join(dir, 'cmdline');
  const adapter = new SystemdBootAdapter({ esp, cmdlinePath, logger: silentLogger(), tries: 2 });
  const entries = async () => ((await esp.listFiles('loader/entries')) ?? []).join(' ');
  /** Power on; the cmdline the loader passed becomes this "boot"'s /proc/cmdline for the adapter. */
  const boot = async () => {
    const cmdline = await bootOnce(dir, disk);
    await writeFile(cmdlinePath, `${cmdline}\n`);
    return adapter.bootedSlot();
  };

  t.equal(await boot(), 'A', 'fresh install boots A');
  await adapter.markTrial('B');

  t.equal(await boot(), 'B', 'the armed trial entry is picked first');
  t.equal(await entries(), 'hearth-a.conf hearth-trial-b+1-1.conf', 'systemd-boot counted one try');
  t.same(await adapter.state(), { booted: 'B', primary: 'A', trial: { slot: 'B', triesLeft: 1 }, lastBoot: 'trial-ok' });
  // B "never becomes healthy": no commit, the machine is reset.
  t.equal(await boot(), 'B', 'second try');
  t.equal(await boot(), 'A', 'counter exhausted: systemd-boot fell back to A');
  t.equal(await entries(), 'hearth-a.conf hearth-trial-b+0-2.conf');
  t.same(await adapter.state(), { booted: 'A', primary: 'A', trial: { slot: 'B', triesLeft: 0 }, lastBoot: 'trial-failed-fell-back' });
  await adapter.markBad('B');

  await adapter.markTrial('B');
  t.equal(await boot(), 'B');
  await adapter.commitBooted();
  t.equal(await boot(), 'B', 'committed B is the default');
  t.equal(await entries(), 'hearth-a.conf hearth-b.conf', 'no counting on a committed entry');

  await adapter.markTrial('A');
  t.equal(await boot(), 'A', 'a trial of A sorts before the committed B');
  await adapter.commitBooted();
  t.same(await adapter.state(), { booted: 'A', primary: 'A', trial: null, lastBoot: 'normal' });
});

// image/overlay/common/usr/lib/hearth/grow-data-needed.sh (the ExecCondition that spares a node start when the data
// partition already fills its disk) against the planner it stands in front of (firmware-hooks grow-plan.ts): on a
// fixture sysfs / mountinfo / udev database, for disk sizes around every alignment edge, GPT and DOS, the script
// says "nothing to do" exactly when the planner does; anything it cannot read makes it say "run the hook".
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planGrow } from '../../firmware-hooks/src/firstboot/grow-plan.js';

const SCRIPT = new URL('../overlay/common/usr/lib/hearth/grow-data-needed.sh', import.meta.url).pathname;
const FIXTURES = new URL('../../firmware-hooks/test/fixtures/', import.meta.url).pathname;
const table = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as {
  partitiontable: { label: string; partitions: { node: string; start: number; size: number }[] };
};

interface Host { scheme?: 'gpt' | 'dos'; start: number | string; size: number; diskSectors: number; mounted?: boolean }

/** A fake /proc, /sys and /run/udev/data with the data partition as block device 8:4 mounted at /data. */
function fakeHost(t: Test, h: Host): Record<string, string> {
  const root = mkdtempSync(join(tmpdir(), 'grow-needed-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const proc = join(root, 'proc'), sys = join(root, 'sys'), udev = join(root, 'udev');
  mkdirSync(join(proc, 'self'), { recursive: true });
  writeFileSync(join(proc, 'self/mountinfo'), [
    '24 1 254:0 / / ro,relatime shared:1 - squashfs /dev/mapper/hearth-root ro',
    h.mounted === false ? '' : '31 24 8:4 / /data rw,noatime shared:12 - ext4 /dev/sda4 rw',
    '33 24 0:27 / /var rw,relatime shared:14 - overlay overlay rw,lowerdir=/var',
  ].join('\n') + '\n');
  const part = join(sys, 'devices/pci0000:00/virtio1/block/sda/sda4');
  mkdirSync(part, { recursive: true });
  writeFileSync(join(part, 'start'), `${h.start}\n`);
  writeFileSync(join(part, 'size'), `${h.size}\n`);
  writeFileSync(join(part, '../size'), `${h.diskSectors}\n`);
  mkdirSync(join(sys, 'dev/block'), { recursive: true });
  symlinkSync('../../devices/pci0000:00/virtio1/block/sda/sda4', join(sys, 'dev/block/8:4'));
  mkdirSync(udev, { recursive: true });
  if (h.scheme) writeFileSync(join(udev, 'b8:4'), `S:disk/by-label/hearth-data\nE:ID_FS_LABEL=hearth-data\nE:ID_PART_ENTRY_SCHEME=${h.scheme}\nE:ID_PART_ENTRY_NUMBER=4\n`);
  return { HEARTH_PROC: proc, HEARTH_SYS: sys, HEARTH_UDEV_DATA: udev };
}

function scriptSays(env: Record<string, string>): 'run' | 'skip' {
  const r = spawnSync('/bin/sh', [SCRIPT], { env: { PATH: '/nonexistent', ...env }, encoding: 'utf8' });
  if (r.status === 0) return 'run';
  if (r.status === 1) return 'skip';
  throw new Error(`grow-data-needed.sh exited ${r.status}: ${r.stderr}`);
}

for (const [fixture, scheme] of [['sfdisk-gpt.json', 'gpt'], ['sfdisk-dos.json', 'dos']] as const) {
  t.test(`${scheme}: the script skips exactly when the planner has nothing to grow`, async (t) => {
    const sfdisk = table(fixture);
    const data = sfdisk.partitiontable.partitions.at(-1)!;
    const end = data.start + data.size - 1;
    // Disk sizes from "ends exactly at the data partition" to a few MiB more, across each 1 MiB edge and the GPT
    // backup header's 33 sectors. PATH points nowhere: the script must not start any program.
    const sizes = new Set<number>();
    for (let mib = 0; mib <= 3; mib++) {
      for (const d of [0, 1, 32, 33, 34, 35, 2047, 2048, 2080, 2081, 2082]) sizes.add(end + 1 + mib * 2048 + d);
    }
    const number = Number(/\d+$/.exec(data.node)![0]);
    for (const diskSectors of sizes) {
      // A GPT disk whose backup header would overlap the data partition cannot exist: the planner refuses it.
      if (scheme === 'gpt' && diskSectors - 33 <= end) continue;
      const planner = planGrow({ sfdisk, diskSizeBytes: diskSectors * 512, data: { number } });
      const says = scriptSays(fakeHost(t, { scheme, start: data.start, size: data.size, diskSectors }));
      t.equal(says, planner.action === 'grow' ? 'run' : 'skip', `disk of ${diskSectors} sectors: planner ${planner.action}`);
    }
  });
}

t.test('the image as built: its data partition already fills the disk, so the unit is skipped', async (t) => {
  // The x86-64 image: data at 4720640, 1048576 sectors, disk 5771264 sectors (2954887168 bytes).
  t.equal(scriptSays(fakeHost(t, { scheme: 'gpt', start: 4720640, size: 1048576, diskSectors: 5771264 })), 'skip');
  // The same image written to a 16 GiB card: grow.
  t.equal(scriptSays(fakeHost(t, { scheme: 'gpt', start: 4720640, size: 1048576, diskSectors: 33554432 })), 'run');
});

t.test('whatever it cannot read or understand, it leaves to the hook', async (t) => {
  const full = { start: 4720640, size: 1048576, diskSectors: 5771264 };
  // Without udev's word on the scheme it cannot count the GPT backup: it assumes none, which can only say "run".
  t.equal(scriptSays(fakeHost(t, full)), 'run', 'scheme unknown');
  t.equal(scriptSays(fakeHost(t, { ...full, scheme: 'gpt', mounted: false })), 'run', '/data not mounted');
  t.equal(scriptSays(fakeHost(t, { ...full, scheme: 'gpt', start: 'garbage' })), 'run', 'sysfs says something odd');
  const env = fakeHost(t, { ...full, scheme: 'gpt' });
  rmSync(join(env.HEARTH_SYS!, 'dev/block/8:4'));
  t.equal(scriptSays(env), 'run', 'no sysfs node for the device (e.g. device-mapper)');
});

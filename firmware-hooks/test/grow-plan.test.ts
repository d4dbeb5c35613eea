// Grow planner against real `sfdisk --json` output (captured into fixtures): GPT and DOS tables, by name and by
// number, the "already full" and "cannot grow" cases, and output it does not understand.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planGrow, GrowPlanError } from '../src/firstboot/grow-plan.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8'));
const MiB = 1024 * 1024;

t.test('GPT image written to a 16 GiB disk: data grows to the last aligned sector before the backup header', async (t) => {
  const plan = planGrow({ sfdisk: fixture('sfdisk-gpt.json'), diskSizeBytes: 16 * 1024 * MiB, data: { name: 'data' } });
  // data starts at 43008; 16 GiB = 33554432 sectors; last usable 33554398; aligned end 33552383.
  t.same(plan, {
    action: 'grow', label: 'gpt', partitionNumber: 4, node: '/dev/sda4', sectorSize: 512,
    start: 43008, oldSize: 16384, newSize: 33552383 - 43008 + 1,
  });
});

t.test('already filling the disk: nothing to do', async (t) => {
  // The fixture image was 64 MiB: its data partition ends at 59391, the last aligned end of a 64 MiB GPT disk is 129023.
  const grown = planGrow({ sfdisk: fixture('sfdisk-gpt.json'), diskSizeBytes: 64 * MiB, data: { number: 4 } });
  t.equal(grown.action, 'grow');
  const full = structuredClone(fixture('sfdisk-gpt.json')) as { partitiontable: { partitions: { size: number }[] } };
  (full.partitiontable.partitions[3] as { size: number }).size = 129023 - 43008 + 1;
  t.match(planGrow({ sfdisk: full, diskSizeBytes: 64 * MiB, data: { name: 'data' } }), { action: 'none', partitionNumber: 4 });
});

t.test('DOS table (Pi SD card): no GPT backup to leave room for, data by number', async (t) => {
  const plan = planGrow({ sfdisk: fixture('sfdisk-dos.json'), diskSizeBytes: 32 * 1024 * MiB, data: { number: 3 } });
  t.match(plan, { action: 'grow', label: 'dos', node: '/dev/mmcblk0p3', start: 4726784, newSize: 67108864 - 4726784 });
});

t.test('refusals name what is wrong', async (t) => {
  t.throws(() => planGrow({ sfdisk: fixture('sfdisk-gpt.json'), diskSizeBytes: 64 * MiB, data: { name: 'root-b' } }), {
    name: 'GrowPlanError', message: /"root-b" is not the last partition/,
  });
  t.throws(() => planGrow({ sfdisk: fixture('sfdisk-gpt.json'), diskSizeBytes: 64 * MiB, data: { name: 'home' } }), /no data partition "home"/);
  t.throws(() => planGrow({ sfdisk: fixture('sfdisk-gpt.json'), diskSizeBytes: 1000, data: { number: 4 } }), /multiple of the 512-byte sector/);
  t.throws(() => planGrow({ sfdisk: fixture('sfdisk-gpt.json'), diskSizeBytes: 16 * MiB, data: { number: 4 } }), /beyond the disk/);
  t.throws(() => planGrow({ sfdisk: { partitiontable: { label: 'gpt' } }, diskSizeBytes: 64 * MiB, data: { number: 1 } }), GrowPlanError);
  t.throws(() => planGrow({ sfdisk: 'not json', diskSizeBytes: 64 * MiB, data: { number: 1 } }), /sfdisk --json output not understood/);
});

// Find the whole disk and partition number behind a GPT partition label (/dev/disk/by-partlabel/data), so the
// first-boot unit needs no per-board device names (mmcblk0p3 on a Pi, sda3/nvme0n1p3 on x86, vda3 in the cloud).
import { readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface DiskOfPartition {
  disk: string;
  partitionNumber: number;
  partition: string;
}

/**
 * `kind`: `by-partlabel` (a GPT partition name) or `by-label` (a file system label, which MBR disks such as the
 * Pi's also have).
 */
export async function findDiskOfPartlabel(
  label: string,
  dirs: { dev?: string; sys?: string } = {},
  kind: 'by-partlabel' | 'by-label' = 'by-partlabel',
): Promise<DiskOfPartition> {
  const dev = dirs.dev ?? '/dev';
  const sys = dirs.sys ?? '/sys';
  if (!/^[A-Za-z0-9._-]+$/.test(label)) throw new Error(`invalid partition label ${JSON.stringify(label)}`);
  const link = join(dev, 'disk', kind, label);
  let partition: string;
  try {
    partition = await realpath(link);
  } catch (err) {
    throw new Error(`${link}: no partition labelled "${label}" (${(err as Error).message})`);
  }
  const name = basename(partition);
  const sysPart = await realpath(join(sys, 'class', 'block', name));
  const number = Number((await readFile(join(sysPart, 'partition'), 'utf8')).trim());
  if (!Number.isInteger(number) || number < 1) throw new Error(`${join(sysPart, 'partition')}: not a partition number`);
  return { disk: join(dev, basename(dirname(sysPart))), partitionNumber: number, partition };
}

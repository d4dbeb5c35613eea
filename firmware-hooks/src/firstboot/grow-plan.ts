// Growing the data partition to fill the disk on first boot (the image is written small; the SD card or disk
// is bigger). Pure: from `sfdisk --json` and the disk's size, decide the new size, or that there is nothing to do.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const PartitionSchema = Type.Object({
  node: Type.String(),
  start: Type.Integer({ minimum: 0 }),
  size: Type.Integer({ minimum: 1 }),
  type: Type.String(),
  name: Type.Optional(Type.String()),
});

export const SfdiskJsonSchema = Type.Object({
  partitiontable: Type.Object({
    label: Type.Union([Type.Literal('gpt'), Type.Literal('dos')]),
    device: Type.String(),
    unit: Type.Literal('sectors'),
    sectorsize: Type.Optional(Type.Integer({ minimum: 512 })),
    partitions: Type.Array(PartitionSchema),
  }),
});
export type SfdiskJson = Static<typeof SfdiskJsonSchema>;

/** Which partition holds the data file system: its GPT name (partition label), or its 1-based number. */
export type DataPartitionRef = { name: string } | { number: number };

export interface GrowPlanInput {
  sfdisk: unknown;
  diskSizeBytes: number;
  data: DataPartitionRef;
  /** Partition ends are kept on this boundary (bytes); 1 MiB like every partitioning tool. */
  alignBytes?: number;
}

export type GrowPlan =
  | { action: 'none'; reason: string; partitionNumber: number }
  | {
      action: 'grow';
      label: 'gpt' | 'dos';
      partitionNumber: number;
      node: string;
      sectorSize: number;
      start: number;
      oldSize: number;
      newSize: number;
    };

export class GrowPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GrowPlanError';
  }
}

export function parseSfdiskJson(raw: unknown): SfdiskJson {
  if (!Value.Check(SfdiskJsonSchema, raw)) {
    const first = Value.Errors(SfdiskJsonSchema, raw).First();
    throw new GrowPlanError(`sfdisk --json output not understood: ${first ? `${first.path} ${first.message}` : 'invalid'}`);
  }
  return raw;
}

export function planGrow(input: GrowPlanInput): GrowPlan {
  const table = parseSfdiskJson(input.sfdisk).partitiontable;
  const ss = table.sectorsize ?? 512;
  if (!Number.isSafeInteger(input.diskSizeBytes) || input.diskSizeBytes <= 0 || input.diskSizeBytes % ss !== 0) {
    throw new GrowPlanError(`disk size ${input.diskSizeBytes} is not a positive multiple of the ${ss}-byte sector`);
  }
  const index = findIndex(table.partitions, input.data);
  const part = table.partitions[index];
  if (!part) throw new GrowPlanError(`no data partition ${describeRef(input.data)} in the partition table of ${table.device}`);
  const partitionNumber = numberOf(part.node);
  const end = part.start + part.size - 1;
  const later = table.partitions.filter((p) => p !== part && p.start > part.start);
  if (later.length > 0) {
    throw new GrowPlanError(`data partition ${describeRef(input.data)} is not the last partition on ${table.device}; it cannot grow`);
  }
  const diskSectors = input.diskSizeBytes / ss;
  // GPT keeps a backup header and its 16 KiB entry array at the very end of the disk.
  const reserved = table.label === 'gpt' ? 1 + Math.ceil((128 * 128) / ss) : 0;
  const lastUsable = diskSectors - 1 - reserved;
  const align = Math.max(1, Math.floor((input.alignBytes ?? 1024 * 1024) / ss));
  const alignedEnd = Math.floor((lastUsable + 1) / align) * align - 1;
  if (end > lastUsable) {
    throw new GrowPlanError(`data partition ends at sector ${end}, beyond the disk's last usable sector ${lastUsable}`);
  }
  if (alignedEnd <= end) {
    return { action: 'none', reason: `already fills the disk (ends at ${end}, last aligned end ${alignedEnd})`, partitionNumber };
  }
  return {
    action: 'grow',
    label: table.label,
    partitionNumber,
    node: part.node,
    sectorSize: ss,
    start: part.start,
    oldSize: part.size,
    newSize: alignedEnd - part.start + 1,
  };
}

// GPT numbers can have gaps, so the number comes from the node name (sda3, mmcblk0p3, disk.img3), not the order.
function numberOf(node: string): number {
  const m = /(\d+)$/.exec(node);
  if (!m?.[1]) throw new GrowPlanError(`cannot tell the partition number of ${node}`);
  return Number(m[1]);
}

function findIndex(parts: SfdiskJson['partitiontable']['partitions'], ref: DataPartitionRef): number {
  if ('number' in ref) return parts.findIndex((p) => numberOf(p.node) === ref.number);
  return parts.findIndex((p) => p.name === ref.name);
}

function describeRef(ref: DataPartitionRef): string {
  return 'number' in ref ? `#${ref.number}` : `"${ref.name}"`;
}

// The Pi firmware tells the kernel how it booted through the device tree: /proc/device-tree/chosen/bootloader/
// `partition` (the partition it loaded config.txt and the kernel from) and `tryboot` (1 when the one-shot tryboot
// flag was set), each a big-endian u32.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BootConfigError } from '../boot/contract.js';

export const DEFAULT_BOOTLOADER_DT_DIR = '/proc/device-tree/chosen/bootloader';

export function parseU32(bytes: Uint8Array, where: string): number {
  if (bytes.length !== 4) throw new BootConfigError(where, `expected a 4-byte big-endian u32, got ${bytes.length} bytes`);
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
}

export interface BootloaderInfo {
  partition: number;
  tryboot: boolean;
}

export async function readBootloaderInfo(dir: string): Promise<BootloaderInfo> {
  const partition = await readU32(join(dir, 'partition'), true);
  const tryboot = await readU32(join(dir, 'tryboot'), false);
  return { partition: partition ?? 0, tryboot: (tryboot ?? 0) === 1 };
}

async function readU32(path: string, required: boolean): Promise<number | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    // Older firmware does not publish `tryboot`; no flag means it was a normal boot.
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new BootConfigError(path, `cannot read: ${(err as Error).message}`);
  }
  return parseU32(bytes, path);
}

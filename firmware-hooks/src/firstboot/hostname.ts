// The device's hostname comes from its relay device ID (lowercase base32 of its public key hash, see
// agent/src/tunnel/device-id.ts), so the name on the LAN and on the relay match: hearth-<first 8 chars>.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-file.js';

const DEVICE_ID = /^[a-z2-7]{26}$/;

export function hostnameForDevice(deviceId: string): string {
  const id = deviceId.trim();
  if (!DEVICE_ID.test(id)) throw new Error(`device ID must be 26 characters of [a-z2-7], got ${JSON.stringify(id)}`);
  return `hearth-${id.slice(0, 8)}`;
}

/** Writes <root>/etc/hostname; the running system picks it up at the next boot (or via systemd-hostnamed). */
export async function writeHostname(root: string, deviceId: string): Promise<string> {
  const name = hostnameForDevice(deviceId);
  await writeFileAtomic(join(root, 'etc', 'hostname'), `${name}\n`);
  return name;
}

export const KERNEL_HOSTNAME = '/proc/sys/kernel/hostname';

/**
 * A read-only root cannot take <root>/etc/hostname, so the image names the running system instead: the kernel
 * hostname (what `uname -n`, the journal and hostnamed report), set on every boot once the agent has
 * published its device ID. Returns the name and what it replaced.
 */
export async function setKernelHostname(deviceId: string, file = KERNEL_HOSTNAME): Promise<{ hostname: string; previous: string }> {
  const name = hostnameForDevice(deviceId);
  const previous = (await readFile(file, 'utf8')).trim();
  // A sysctl, not a file on disk: one write() sets it whole (no temp file and rename possible or needed).
  if (previous !== name) await writeFile(file, name);
  return { hostname: name, previous };
}

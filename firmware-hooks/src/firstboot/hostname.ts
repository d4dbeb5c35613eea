// The device's hostname comes from its relay device ID (lowercase base32 of its public key hash, see
// agent/src/tunnel/device-id.ts), so the name on the LAN and on the relay match: hearth-<first 8 chars>.
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

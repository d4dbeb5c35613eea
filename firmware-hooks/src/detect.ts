// Pick the boot adapter from what is on the boot partition(s): autoboot.txt means the Pi's tryboot scheme,
// loader/loader.conf means systemd-boot. The caller passes candidate partitions (mounted dirs or mtools images).
import type { Logger } from 'pino';
import type { BootAdapter } from './boot/contract.js';
import { DirectoryEsp } from './esp/dir-esp.js';
import type { EspAccess } from './esp/esp-access.js';
import { AUTOBOOT_TXT } from './rpi/autoboot.js';
import { RpiTrybootAdapter } from './rpi/adapter.js';
import { LOADER_CONF } from './systemd-boot/names.js';
import { SystemdBootAdapter } from './systemd-boot/adapter.js';

export interface DetectPaths {
  /** Boot partitions to look at, in order. */
  candidates: EspAccess[];
  cmdlinePath?: string;
  deviceTreeDir?: string;
  bootIdPath?: string;
}

/** Where Debian mounts these partitions: systemd-boot's ESP, and raspi-firmware's boot partition. */
export function defaultCandidates(): EspAccess[] {
  return ['/efi', '/boot/efi', '/boot', '/boot/firmware'].map((dir) => new DirectoryEsp(dir));
}

export async function detectAdapter(paths: DetectPaths, logger: Logger): Promise<BootAdapter> {
  for (const esp of paths.candidates) {
    if (await esp.exists(AUTOBOOT_TXT)) {
      return new RpiTrybootAdapter({
        bootPartition: esp,
        logger,
        ...(paths.deviceTreeDir ? { deviceTreeDir: paths.deviceTreeDir } : {}),
        ...(paths.bootIdPath ? { bootIdPath: paths.bootIdPath } : {}),
      });
    }
    if (await esp.exists(LOADER_CONF)) {
      return new SystemdBootAdapter({ esp, logger, cmdlinePath: paths.cmdlinePath ?? '/proc/cmdline' });
    }
  }
  const where = paths.candidates.map((c) => c.location).join(', ') || '(no candidates)';
  throw new Error(`no supported boot loader found: looked for ${AUTOBOOT_TXT} (Raspberry Pi tryboot) and ${LOADER_CONF} (systemd-boot) in ${where}`);
}

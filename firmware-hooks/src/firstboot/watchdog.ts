// Hardware watchdog: systemd pets /dev/watchdog0 and the board resets if PID 1 hangs; RebootWatchdogSec covers a
// reboot that hangs half-way (which would otherwise strand a trial boot). 15 s because the Pi's bcm2835 watchdog
// cannot count longer; x86 iTCO and cloud watchdogs accept it too.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-file.js';

export const WATCHDOG_DROPIN = 'etc/systemd/system.conf.d/50-hearth-watchdog.conf';

export interface WatchdogSettings {
  runtimeSec: number;
  rebootSec: number;
}

export const DEFAULT_WATCHDOG: WatchdogSettings = { runtimeSec: 15, rebootSec: 600 };

export function renderWatchdogDropIn(s: WatchdogSettings = DEFAULT_WATCHDOG): string {
  for (const [k, v] of Object.entries(s)) {
    if (!Number.isInteger(v) || v < 1 || v > 3600) throw new Error(`watchdog ${k} must be 1..3600 seconds, got ${v}`);
  }
  return `# Hearth: hardware watchdog (firmware-hooks/src/firstboot/watchdog.ts; the read-only image ships this file).\n[Manager]\nRuntimeWatchdogSec=${s.runtimeSec}s\nRebootWatchdogSec=${s.rebootSec}s\n`;
}

export type WatchdogPlan = { action: 'write'; device: string; content: string } | { action: 'none'; reason: string };

export function planWatchdog(devices: string[], s: WatchdogSettings = DEFAULT_WATCHDOG): WatchdogPlan {
  const device = devices.filter((d) => /^watchdog\d*$/.test(d)).sort()[0];
  if (!device) return { action: 'none', reason: 'no /dev/watchdog* device' };
  return { action: 'write', device, content: renderWatchdogDropIn(s) };
}

export async function listWatchdogDevices(devDir: string): Promise<string[]> {
  try {
    return (await readdir(devDir)).filter((n) => n.startsWith('watchdog'));
  } catch {
    return [];
  }
}

export async function enableWatchdog(root: string, devDir: string, s?: WatchdogSettings): Promise<WatchdogPlan> {
  const plan = planWatchdog(await listWatchdogDevices(devDir), s);
  if (plan.action === 'write') await writeFileAtomic(join(root, WATCHDOG_DROPIN), plan.content);
  return plan;
}

// autoboot.txt on the Pi's first (common) FAT partition, read by the EEPROM bootloader before anything else:
//   [all]        tryboot_a_b=1, boot_partition=<primary slot's boot partition>
//   [tryboot]    boot_partition=<the other slot's>   (used only when the reboot carried the one-shot tryboot flag)
// Parsed strictly: the firmware silently ignores what it does not understand, so a typo would silently break A/B.
import { BootConfigError, type SlotName } from '../boot/contract.js';

export const AUTOBOOT_TXT = 'autoboot.txt';

/** Boot partition numbers of each slot (partition 1 holds autoboot.txt and the firmware's own files). */
export type SlotPartitions = Record<SlotName, number>;
export const DEFAULT_SLOT_PARTITIONS: SlotPartitions = { A: 2, B: 3 };

export interface Autoboot {
  primary: SlotName;
  tryboot: SlotName;
}

export function slotOfPartition(parts: SlotPartitions, partition: number): SlotName | null {
  return partition === parts.A ? 'A' : partition === parts.B ? 'B' : null;
}

export function parseAutoboot(text: string, parts: SlotPartitions, where: string): Autoboot {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const sec = /^\[([a-z0-9_]+)\]$/.exec(line);
    if (sec?.[1]) {
      if (sec[1] !== 'all' && sec[1] !== 'tryboot') throw new BootConfigError(where, `line ${i + 1}: unexpected section [${sec[1]}]`);
      current = sections.get(sec[1]) ?? new Map();
      sections.set(sec[1], current);
      return;
    }
    const kv = /^([a-z_]+)=([0-9]+)$/.exec(line);
    if (!kv?.[1] || kv[2] === undefined) throw new BootConfigError(where, `line ${i + 1}: cannot parse ${JSON.stringify(raw)}`);
    if (!current) throw new BootConfigError(where, `line ${i + 1}: setting outside a section`);
    if (kv[1] !== 'tryboot_a_b' && kv[1] !== 'boot_partition') {
      throw new BootConfigError(where, `line ${i + 1}: unknown setting ${kv[1]}`);
    }
    current.set(kv[1], kv[2]);
  });
  const all = sections.get('all');
  const tryb = sections.get('tryboot');
  if (!all || !tryb) throw new BootConfigError(where, 'needs both an [all] and a [tryboot] section');
  if (all.get('tryboot_a_b') !== '1') throw new BootConfigError(where, '[all] must set tryboot_a_b=1');
  const primary = slotSetting(all, '[all]', parts, where);
  const tryboot = slotSetting(tryb, '[tryboot]', parts, where);
  if (primary === tryboot) throw new BootConfigError(where, `[all] and [tryboot] both boot slot ${primary}`);
  return { primary, tryboot };
}

function slotSetting(section: Map<string, string>, name: string, parts: SlotPartitions, where: string): SlotName {
  const value = section.get('boot_partition');
  if (value === undefined) throw new BootConfigError(where, `${name} has no boot_partition`);
  const slot = slotOfPartition(parts, Number(value));
  if (!slot) throw new BootConfigError(where, `${name} boot_partition=${value} is neither slot A (${parts.A}) nor B (${parts.B})`);
  return slot;
}

export function renderAutoboot(a: Autoboot, parts: SlotPartitions): string {
  return `[all]\ntryboot_a_b=1\nboot_partition=${parts[a.primary]}\n[tryboot]\nboot_partition=${parts[a.tryboot]}\n`;
}

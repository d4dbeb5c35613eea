// Which slot the kernel was booted from, as the boot loader told it on the kernel command line.
// Entries written by this package carry `hearth.slot=A|B`; images built by hand may only carry
// `root=PARTLABEL=root-a` (or root-b), which we accept too. Anything else is an error, never a guess.
import { BootConfigError, type SlotName } from './contract.js';

const ROOT_LABEL = /^root=PARTLABEL=root-([ab])$/i;

export function slotFromCmdline(cmdline: string, file: string): SlotName {
  const words = cmdline.trim().split(/\s+/).filter((w) => w !== '');
  // The last occurrence wins, as it does for the kernel's own parameters.
  let found: SlotName | undefined;
  for (const word of words) {
    if (word.startsWith('hearth.slot=')) {
      const value = word.slice('hearth.slot='.length);
      if (value !== 'A' && value !== 'B') {
        throw new BootConfigError(file, `unknown slot "${value}" in hearth.slot= (expected A or B)`);
      }
      found = value;
    }
  }
  if (found) return found;
  for (const word of words) {
    const m = ROOT_LABEL.exec(word);
    if (m?.[1]) found = m[1].toUpperCase() as SlotName;
  }
  if (found) return found;
  throw new BootConfigError(file, 'no hearth.slot=A|B and no root=PARTLABEL=root-a|root-b on the kernel command line');
}

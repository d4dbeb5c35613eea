// `node --import tsx image/src/esp/main.ts --dir STAGE --options "KERNEL OPTIONS" [--timeout S]`
// Writes loader/loader.conf and one entry per slot into STAGE using firmware-hooks' own renderers, so the boot
// adapter finds on first boot exactly the layout it expects (docs/BOOT.md). Slot X's root is PARTLABEL=root-x.
// `--verity-a ROOTHASH:OFFSET`: slot A's root is opened through dm-verity by the initramfs (hearth.verity=). Slot B is
// empty in a factory image; the update that fills it writes its entry with the root hash of what it wrote.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { freshEspFiles, type EntrySpec } from '../../../firmware-hooks/src/systemd-boot/layout.js';
import { parseVerityParam } from '../manifest/manifest.js';

const { values } = parseArgs({
  options: { dir: { type: 'string' }, options: { type: 'string' }, version: { type: 'string' }, 'verity-a': { type: 'string' } },
  strict: true,
});
if (!values.dir || !values.options) {
  console.error('esp: --dir and --options are required');
  process.exit(1);
}
if (/\b(root|hearth\.slot|hearth\.verity)=/.test(values.options)) {
  console.error('esp: --options must not contain root=, hearth.slot= or hearth.verity= (set per slot here)');
  process.exit(1);
}
let verityA: string | undefined;
try {
  const v = values['verity-a'] === undefined ? undefined : parseVerityParam(values['verity-a'], 'esp: --verity-a');
  verityA = v && `${v.rootHash}:${v.hashOffset}`;
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

const entry = (slot: 'A' | 'B'): EntrySpec => {
  const s = slot.toLowerCase();
  return {
    slot,
    title: `Hearth ${values.version ?? ''} (slot ${slot})`.replace(/\s+/g, ' '),
    linux: `/hearth/${s}/vmlinuz`,
    initrd: [`/hearth/${s}/initrd.img`],
    options: [`root=PARTLABEL=root-${s}`, slot === 'A' && verityA ? `hearth.verity=${verityA}` : '', values.options].filter(Boolean).join(' '),
  };
};

for (const [path, text] of Object.entries(freshEspFiles(entry('A'), entry('B'), 'A'))) {
  const full = join(values.dir, path);
  await mkdir(dirname(full), { recursive: true });
  await writeFile(full, text);
}

// `node --import tsx image/src/rpi/main.ts --dir STAGE --disk-id 0x1234abcd --options "..."`
// Writes the Raspberry Pi boot files owned by firmware-hooks (docs/BOOT.md), rendered by its own code:
//   STAGE/common/autoboot.txt        partition 1: tryboot_a_b=1, [all] -> slot A (partition 2), [tryboot] -> B (3)
//   STAGE/{a,b}/config.txt|cmdline.txt  each slot's boot partition; the root is that slot's MBR partition (5 or 6)
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AUTOBOOT_TXT, DEFAULT_SLOT_PARTITIONS, renderAutoboot } from '../../../firmware-hooks/src/rpi/autoboot.js';
import { renderCmdlineTxt, renderConfigTxt } from '../../../firmware-hooks/src/rpi/config-txt.js';

/** MBR partition numbers of the root slots (1-3 boot partitions, 4 the extended container, 5-7 logical). */
export const ROOT_PARTITIONS = { A: 5, B: 6 } as const;

const { values } = parseArgs({
  options: { dir: { type: 'string' }, 'disk-id': { type: 'string' }, options: { type: 'string' } },
  strict: true,
});
const diskId = values['disk-id'] ?? '';
if (!values.dir || !/^0x[0-9a-f]{8}$/.test(diskId)) {
  console.error('rpi: --dir and --disk-id 0xXXXXXXXX (8 lowercase hex digits) are required');
  process.exit(1);
}
const extra = (values.options ?? '').split(/\s+/).filter(Boolean);

await mkdir(join(values.dir, 'common'), { recursive: true });
await writeFile(join(values.dir, 'common', AUTOBOOT_TXT), renderAutoboot({ primary: 'A', tryboot: 'B' }, DEFAULT_SLOT_PARTITIONS));
for (const slot of ['A', 'B'] as const) {
  const dir = join(values.dir, slot.toLowerCase());
  await mkdir(dir, { recursive: true });
  // The Pi 4's UART on the GPIO header; the on-board Wi-Fi/Bluetooth keep the PL011 otherwise.
  await writeFile(join(dir, 'config.txt'), renderConfigTxt({ slot, extra: ['enable_uart=1', 'dtoverlay=disable-bt'] }));
  const root = `PARTUUID=${diskId.slice(2)}-${String(ROOT_PARTITIONS[slot]).padStart(2, '0')}`;
  await writeFile(join(dir, 'cmdline.txt'), renderCmdlineTxt({ slot, root, extra }));
}

// Boots an x86-64 disk image under QEMU (TCG + OVMF, as the tests and benchmarks do) and prints its serial console
// line by line with the seconds since QEMU started: where a boot's time goes, side by side for two images.
//   node --import tsx scripts/boot-trace.ts DISK.img [UNTIL-REGEX] [SECONDS]   (the disk is not modified: qcow2 overlay)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ANSI, QemuVm, run } from '../image/test/support/vm.js';

const [disk, until = 'login: ', limit = '300'] = process.argv.slice(2);
if (!disk) {
  console.error('usage: boot-trace.ts DISK.img [UNTIL-REGEX] [SECONDS]');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'hearth-boot-trace-'));
try {
  // qemu-img reads a relative backing file name from the overlay's folder.
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', resolve(disk), '-F', 'raw', join(work, 'disk.qcow2')]);
  const vm = new QemuVm({ workDir: work, disk: join(work, 'disk.qcow2'), format: 'qcow2' });
  const t0 = performance.now();
  await vm.start();
  const re = new RegExp(until);
  let seen = 0;
  let partial = '';
  const deadline = t0 + Number(limit) * 1000;
  for (;;) {
    const text = vm.serial();
    const fresh = partial + text.slice(seen);
    seen = text.length;
    const lines = fresh.split(/\r?\n/);
    partial = lines.pop() ?? '';
    const at = ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
    for (const line of lines) {
      const clean = line.replace(ANSI, '').replace(/\r/g, '').trim();
      if (clean) console.log(`${at}  ${clean}`);
    }
    if (re.test(lines.join('\n') + partial)) break;
    if (!vm.running || performance.now() > deadline) { console.log(`${at}  (stopped: ${vm.running ? 'time limit' : 'QEMU exited'})`); break; }
    await new Promise((r) => setTimeout(r, 100));
  }
  await vm.kill();
} finally {
  rmSync(work, { recursive: true, force: true });
}

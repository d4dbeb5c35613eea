// Cloud target: the x86-64 layout converted to qcow2 and vmdk; qemu-img must see the same disk contents in all three.
import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, run } from './support/vm.js';

// Longer than .taprc's per-file 600 s: QEMU TCG boots (and cold image builds) on a loaded 2-core machine.
t.setTimeout(1_800_000);

t.test('cloud image: qcow2 and vmdk hold exactly the raw image', { timeout: 1_800_000 }, async (t) => {
  const out = join(repoRoot, 'image/build/test-cloud');
  await new Promise<void>((ok, fail) => {
    const p = spawn(join(repoRoot, 'image/build.sh'), ['--target', 'cloud'], {
      env: { ...process.env, HEARTH_DEV: '0', HEARTH_IMAGE_OUT: out }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let tail = '';
    p.stderr.on('data', (b: Buffer) => { tail = (tail + b.toString()).slice(-3000); });
    p.on('exit', (c) => (c === 0 ? ok() : fail(new Error(`cloud build exited ${c}:\n${tail}`))));
  });
  const raw = join(out, 'hearth-cloud.img');
  for (const [file, format] of [['hearth-cloud.qcow2', 'qcow2'], ['hearth-cloud.vmdk', 'vmdk']] as const) {
    const info = JSON.parse((await run('qemu-img', ['info', '--output=json', join(out, file)])).stdout) as { format: string };
    t.equal(info.format, format, `${file} is ${format}`);
    await run('qemu-img', ['compare', '-f', 'raw', '-F', format, raw, join(out, file)]);
    t.pass(`${file} has the same contents as the raw image`);
  }
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { target: string; artifacts: { file: string }[] };
  t.equal(manifest.target, 'cloud');
  t.same(manifest.artifacts.map((a) => a.file).sort(), ['hearth-cloud.img', 'hearth-cloud.qcow2', 'hearth-cloud.vmdk']);
});

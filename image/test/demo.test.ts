// `./build.sh demo --once` end to end: the image built, hearth-config.json written onto its boot partition, booted
// under QEMU; the agent in the VM dials a relay on this machine, gets a certificate from Pebble through it, and the
// example app answers over HTTPS through the relay (checked by the demo itself with the CA's root). Also the only
// test of the boot-partition configuration inside a real image.
import t from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './support/vm.js';

// Longer than .taprc's per-file 600 s: an image build and a QEMU TCG boot on a loaded 2-core machine.
t.setTimeout(1_800_000);

t.test('demo: the image behind a local relay serves the example app over HTTPS', { timeout: 1_800_000 }, async (t) => {
  let out = '';
  const code = await new Promise<number | null>((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/demo-image.ts'), '--once'], {
      cwd: repoRoot, env: { ...process.env, HEARTH_DEMO_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const add = (b: Buffer): void => { out += b.toString(); };
    p.stdout.on('data', add);
    p.stderr.on('data', add);
    p.on('exit', resolve);
  });
  const tail = out.replace(/\x1b\[[0-9;]*m/g, '').slice(-3000); // eslint-disable-line no-control-regex
  t.equal(code, 0, `demo exited 0:\n${tail}`);
  const domain = /the device is ([a-z2-7]{26}\.hearth\.localhost)/.exec(out)?.[1];
  t.ok(domain, 'the boot partition config named the device <id>.hearth.localhost (relay zone)');
  t.match(out, new RegExp(`hello \\(the example app\\):\\s+https://hello\\.${domain?.replace(/\./g, '\\.')}:\\d+/\\s+\\(it answered: "Hello`), 'the app answered through the relay');
  t.match(out, /pairing code:\s+\d{8}/, 'pairing code printed');
  t.match(out, /hearth:\/\/pair\?v=1&d=[a-z2-7]{26}&r=[a-z2-7]{26}\.hearth\.localhost%3A\d+&s=/, 'pairing link names the device on the relay');
});

// Reproducibility: two builds of one commit, each from scratch (separate mmdebstrap caches, so Debian packages are
// fetched and installed twice), must give a byte-identical root filesystem. On a mismatch the failure lists the
// files that differ (content, mode or owner) between the two kept rootfs trees.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, run } from './support/vm.js';
import type { Manifest } from '../src/manifest/manifest.js';

function build(out: string, cache: string, epoch: string): Promise<void> {
  return new Promise((ok, fail) => {
    const p = spawn(join(repoRoot, 'image/build.sh'), ['--target', 'x86-64', '--no-cache'], {
      env: { ...process.env, HEARTH_DEV: '0', HEARTH_IMAGE_OUT: out, HEARTH_IMAGE_CACHE: cache, SOURCE_DATE_EPOCH: epoch },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let tail = '';
    p.stderr.on('data', (b: Buffer) => { tail = (tail + b.toString()).slice(-3000); });
    p.on('exit', (c) => (c === 0 ? ok() : fail(new Error(`build into ${out} exited ${c}:\n${tail}`))));
  });
}

async function treeListing(root: string): Promise<Map<string, string>> {
  const script = 'cd "$1" && find . -printf "%p %m %u %g %l\\n" | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum';
  const { stdout } = await run('sh', ['-c', script, 'sh', root], { maxBuffer: 256 << 20 });
  const m = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const key = /^[0-9a-f]{64}\s+(\S+)/.exec(line)?.[1] ?? line.split(' ')[0] ?? '';
    m.set(`${key}${/^[0-9a-f]{64}/.test(line) ? ' sha' : ' meta'}`, line);
  }
  return m;
}

// Longer than .taprc's per-file 600 s: QEMU TCG boots (and cold image builds) on a loaded 2-core machine.
t.setTimeout(1_800_000);

t.test('two cold builds of one commit give the same root filesystem image', { timeout: 1_800_000 }, async (t) => {
  const caches = mkdtempSync(join(tmpdir(), 'hearth-repro-cache-'));
  t.teardown(() => rmSync(caches, { recursive: true, force: true }));
  const epoch = (await run('git', ['-C', repoRoot, 'log', '-1', '--format=%ct'])).stdout.trim();
  const outs = [join(repoRoot, 'image/build/test-repro-1'), join(repoRoot, 'image/build/test-repro-2')];
  for (const [i, out] of outs.entries()) await build(out, join(caches, `cache${i}`), epoch);

  const manifests = outs.map((o) => JSON.parse(readFileSync(join(o, 'manifest.json'), 'utf8')) as Manifest);
  const [a, b] = manifests.map((m) => m.rootfs.sha256);
  t.same(readFileSync(join(outs[0]!, 'packages.txt'), 'utf8'), readFileSync(join(outs[1]!, 'packages.txt'), 'utf8'),
    'same package versions');
  if (a !== b) {
    const [la, lb] = await Promise.all(outs.map((o) => treeListing(join(o, 'rootfs'))));
    const differ = [...new Set([...la!.keys(), ...lb!.keys()])].filter((k) => la!.get(k) !== lb!.get(k)).slice(0, 40);
    t.fail(`root.squashfs differs (${a} vs ${b}); differing entries:\n${differ.join('\n')}`);
  } else {
    t.pass(`root.squashfs sha256 ${a} both times`);
  }
  // The slot image (squashfs + dm-verity hash tree, fixed salt and UUID) and so its root hash are the same too.
  const [va, vb] = manifests.map((m) => m.verity);
  t.ok(va, 'the x86-64 manifest records the slot image and its root hash');
  t.same(vb, va, 'same slot image and root hash both times');
});

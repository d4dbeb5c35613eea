// `npm run bench -- image`: the OS image's size, build times and boot time, with a bare-Debian baseline booted the
// same way (QEMU TCG + OVMF + systemd-boot) in the same run. Last line: RESULT {json}.
// Sizes are the RELEASE image's (HEARTH_DEV=0, zstd-19 squashfs: what a user flashes). Build times (cold, warm = an
// agent-only change) and the agent-ready boot time are the developer image's (its API port is forwarded); the release
// image's build (on the cached base) and its boot to hearth-health are measured too.
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MtoolsEsp } from '../firmware-hooks/src/esp/mtools-esp.js';
import { QemuVm, espOffset, repoRoot, run, waitForHttp200 } from '../image/test/support/vm.js';

const secs = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;
const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

function sh(cmd: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((ok, fail) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    p.stderr.on('data', (b: Buffer) => { tail = (tail + b.toString()).slice(-4000); });
    p.on('exit', (c) => (c === 0 ? ok() : fail(new Error(`${cmd} exited ${c}:\n${tail}`))));
  });
}

async function xzSize(file: string): Promise<number> {
  return new Promise((ok, fail) => {
    const xz = spawn('xz', ['-T0', '-6', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let n = 0;
    xz.stdout.on('data', (b: Buffer) => { n += b.length; });
    xz.on('exit', (c) => (c === 0 ? ok(n) : fail(new Error(`xz exited ${c}`))));
    createReadStream(file).pipe(xz.stdin);
  });
}

type Until = (vm: QemuVm, elapsed: () => number) => Promise<unknown>;

async function bootTo(disk: string, work: string, until: Until): Promise<{ s: number; vm: QemuVm }> {
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', disk, '-F', 'raw', join(work, 'disk.qcow2')]);
  return timedBoot(work, until);
}

/** Boots the overlay disk in `work` (again, after bootTo) and times it until `until` resolves. */
async function timedBoot(work: string, until: Until): Promise<{ s: number; vm: QemuVm }> {
  for (const f of ['serial.log', 'qmp.sock']) rmSync(join(work, f), { force: true });
  const vm = new QemuVm({ workDir: work, disk: join(work, 'disk.qcow2'), format: 'qcow2' });
  const t0 = performance.now();
  await vm.start();
  try {
    await until(vm, () => secs(t0));
    return { s: secs(t0), vm };
  } catch (err) { await vm.kill(); throw err; }
}

/** Appends `args` to the options line of every boot entry on the image's ESP (edited with mtools, unmounted). */
async function appendKernelArgs(disk: string, args: string): Promise<void> {
  const esp = new MtoolsEsp({ image: disk, offset: await espOffset(disk) });
  const entries = (await esp.listFiles('loader/entries'))?.filter((f) => f.endsWith('.conf')) ?? [];
  if (!entries.length) throw new Error(`${esp.location}: no boot entries`);
  for (const entry of entries) {
    const path = `loader/entries/${entry}`;
    const text = (await esp.readFile(path)) ?? '';
    if (!/^options /m.test(text)) throw new Error(`${esp.location}${path}: no options line`);
    await esp.writeFile(path, text.replace(/^options (.*)$/m, `options $1 ${args}`));
  }
}

export default async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'hearth-bench-image-'));
  try {
    const out = join(repoRoot, 'image/build/bench-x86');
    const releaseOut = join(repoRoot, 'image/build/bench-x86-release');
    const env = { HEARTH_DEV: '1', HEARTH_IMAGE_OUT: out, HEARTH_IMAGE_CACHE: join(tmp, 'cache') };
    let t0 = performance.now();
    await sh(join(repoRoot, 'image/build.sh'), ['--target', 'x86-64', '--no-cache'], env);
    const buildCold = secs(t0);
    console.log(`cold build: ${buildCold}s`);
    // Warm: the base is cached; everything above it (overlay, agent bundle, squashfs, disk, manifest) is rebuilt,
    // which is what an agent-only change costs.
    t0 = performance.now();
    await sh(join(repoRoot, 'image/build.sh'), ['--target', 'x86-64'], env);
    const buildWarm = secs(t0);
    console.log(`warm build: ${buildWarm}s`);
    // Release: same cached base, zstd level 19 with 1 MiB blocks instead of level 6 with 256 KiB.
    t0 = performance.now();
    await sh(join(repoRoot, 'image/build.sh'), ['--target', 'x86-64'], { ...env, HEARTH_DEV: '0', HEARTH_IMAGE_OUT: releaseOut });
    const buildRelease = secs(t0);
    console.log(`release build (cached base): ${buildRelease}s`);

    const image = join(out, 'hearth-x86-64-dev.img');
    const release = join(releaseOut, 'hearth-x86-64.img');
    const imageXz = await xzSize(release);
    console.log(`release image xz: ${mb(imageXz)} MB`);

    const hearthWork = join(tmp, 'hearth');
    await run('mkdir', ['-p', hearthWork]);
    let loginAt: Promise<number> = Promise.resolve(NaN);
    const hearth = await bootTo(image, hearthWork, (vm, elapsed) => {
      loginAt = vm.waitForSerial(/login: /, 600_000).then(elapsed);
      return waitForHttp200(vm, '/v1/health', 600_000);
    });
    console.log(`hearth boot to agent ready: ${hearth.s}s (login prompt at ${await loginAt}s)`);
    const marker = await hearth.vm.waitForSerial(/HEARTH-BOOT-COMPLETE \S+ agent_rss_kb=(\d+)/, 300_000);
    await hearth.vm.powerdown();
    // The same disk booted again: what a device does on every boot but its first (identity, hostname and state
    // already on /data). Same work dir, so the same overlay disk.
    const again = await timedBoot(hearthWork, (vm) => waitForHttp200(vm, '/v1/health', 600_000));
    console.log(`hearth second boot to agent ready: ${again.s}s`);
    await again.vm.waitForSerial(/HEARTH-BOOT-COMPLETE/, 300_000);
    await again.vm.powerdown();

    // The OS alone: the same developer image with the agent masked on its kernel command line, booted to the serial
    // login prompt (the baseline's own criterion). Separates what the OS layer costs (read-only verified root,
    // NetworkManager, podman) from what the agent's start costs.
    const osWork = join(tmp, 'os-only');
    await run('mkdir', ['-p', osWork]);
    const osDisk = join(osWork, 'disk.img');
    await run('cp', ['--sparse=always', image, osDisk]);
    await appendKernelArgs(osDisk, 'systemd.mask=hearth-agent.service');
    const osOnly = await bootTo(osDisk, osWork, (vm) => vm.waitForSerial(/login: /, 600_000));
    console.log(`hearth boot without the agent to login prompt: ${osOnly.s}s`);
    await osOnly.vm.kill();
    rmSync(osDisk, { force: true });

    const releaseWork = join(tmp, 'release');
    await run('mkdir', ['-p', releaseWork]);
    const rel = await bootTo(release, releaseWork, (vm) => vm.waitForSerial(/hearth-health: ok slot=A/, 600_000));
    console.log(`release image boot to hearth-health ok: ${rel.s}s`);
    await rel.vm.powerdown().catch(() => rel.vm.kill());

    const baseOut = join(tmp, 'baseline');
    await sh(join(repoRoot, 'image/lib/baseline.sh'), [baseOut], { HEARTH_IMAGE_CACHE: join(repoRoot, 'image/build/cache') });
    const baseWork = join(tmp, 'base-vm');
    await run('mkdir', ['-p', baseWork]);
    const base = await bootTo(join(baseOut, 'baseline.img'), baseWork, (vm) => vm.waitForSerial(/login: /, 600_000));
    console.log(`baseline boot to login prompt: ${base.s}s`);
    await base.vm.powerdown().catch(() => base.vm.kill());

    console.log('RESULT ' + JSON.stringify({
      image_mb: mb(statSync(release).size),
      image_used_mb: mb(statSync(release).blocks * 512),
      image_xz_mb: mb(imageXz),
      rootfs_mb: mb(statSync(join(releaseOut, 'root.squashfs')).size),
      initrd_mb: mb(statSync(join(releaseOut, 'initrd.img')).size),
      dev_rootfs_mb: mb(statSync(join(out, 'root.squashfs')).size),
      build_cold_s: buildCold,
      build_warm_s: buildWarm,
      build_release_s: buildRelease,
      boot_to_agent_ready_s: hearth.s,
      second_boot_to_agent_ready_s: again.s,
      release_boot_to_health_s: rel.s,
      accel: 'tcg',
      baseline_boot_s: base.s,
      boot_ratio: Math.round((hearth.s / base.s) * 100) / 100,
      boot_to_login_s: await loginAt,
      os_only_boot_to_login_s: osOnly.s,
      os_only_boot_ratio: Math.round((osOnly.s / base.s) * 100) / 100,
      agent_rss_mb_in_guest: Math.round(Number(marker[1]) / 102.4) / 10,
    }));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// Boot test: build the x86-64 developer image (reusing the base cache), boot it under QEMU (TCG, OVMF, systemd-boot),
// wait for the agent's health endpoint, load the busybox image and install a tiny app through the API, fetch it
// through the forwarded ingress port, and power off via QMP. Real parts throughout: mmdebstrap'd Debian, the
// bundled agent on the guest's node, podman in the guest.
import t from 'tap';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QemuVm, VM_BOOT_TIMEOUT_MS, buildDevImage, http, repoRoot, run, waitForHttp200 } from './support/vm.js';

const BOOT_TIMEOUT_MS = VM_BOOT_TIMEOUT_MS;

const compose = `
x-hearth:
  id: tiny
  name: Tiny
  version: 1.0.0
  description: boot test app
  routes:
    tiny: web:80
services:
  web:
    image: localhost/hearth/busybox:latest
    command: ["sh", "-c", "mkdir -p /www && echo 'hello from the hearth image boot test' > /www/index.html && exec httpd -f -p 80 -h /www"]
    restart: unless-stopped
`;

// Longer than .taprc's per-file 600 s: QEMU TCG boots (and cold image builds) on a loaded 2-core machine.
t.setTimeout(1_800_000);

t.test('x86-64 image boots to a working agent under QEMU', { timeout: 1_800_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'hearth-boot-x86-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const image = await buildDevImage(join(repoRoot, 'image/build/test-boot-x86'), (l) => t.comment(l));

  // Boot from a copy-on-write overlay (the built image stays pristine), on a disk 1 GiB bigger than the image, as a
  // flashed card usually is: the data partition must grow into it.
  const disk = join(work, 'disk.qcow2');
  const imageBytes = statSync(image).size;
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', image, '-F', 'raw', disk, String(imageBytes + 1024 ** 3)]);
  const vm = new QemuVm({ workDir: work, disk, format: 'qcow2' });
  t.teardown(() => vm.kill());
  await vm.start();

  const health = await waitForHttp200(vm, '/v1/health', BOOT_TIMEOUT_MS);
  const h = JSON.parse(health.body) as { status: string; engine: string; deviceDomain: string };
  t.equal(h.status, 'ok', 'agent health ok');
  t.equal(h.engine, 'up', 'podman in the guest is up');

  // hearth-health (ordered before boot-complete.target) saw the agent healthy and committed slot A.
  await vm.waitForSerial(/hearth-health: ok slot=A/, BOOT_TIMEOUT_MS);
  const done = await vm.waitForSerial(/HEARTH-BOOT-COMPLETE hearth\.slot=A .*watchdog=(\S+) watchdog_timeout_s=(\d+) hostname=(\S+) root=(\S+) grow_data=(\S+) data_layout_ran=(\S+)/, BOOT_TIMEOUT_MS);
  // PID 1 pets the machine's hardware watchdog with the image's drop-in (system.conf.d/50-hearth-watchdog.conf).
  t.same({ state: done[1], timeoutS: done[2] }, { state: 'active', timeoutS: '15' }, 'systemd runs the hardware watchdog at 15 s');
  // hearth-hostname.service named the running system after the device ID the agent published.
  t.match(done[3], /^hearth-[a-z2-7]{8}$/, `hostname from the device ID (${done[3]})`);
  t.match(vm.serial(), new RegExp(`"hostname":"${done[3]}","previous":"hearth"`), 'set by hearth-firmware hostname');

  // The root slot was opened through dm-verity by the initramfs, against the root hash in slot A's boot entry.
  t.equal(done[4], '/dev/mapper/hearth-root', 'the root file system is mounted from the verified device');
  t.match(vm.serial(), /hearth-verity: PARTLABEL=root-a \(\S+\) opened as \/dev\/mapper\/hearth-root/, 'opened by the initramfs');

  // hearth-grow-data.service: the data partition (512 MiB in the image) now ends at the end of the disk.
  const grown = await vm.waitForSerial(/hearth-grow-data: \/data is (\d+) MiB/, BOOT_TIMEOUT_MS);
  t.ok(Number(grown[1]) > 1400, `the data file system grew into the bigger disk (${grown[1]} MiB)`);
  t.match(vm.serial(), /"action":"grow"/, 'grown by hearth-firmware grow-data');
  t.equal(done[5], 'success', 'its sysfs check let hearth-grow-data run: there was room to grow into');
  // The image's data partition comes with its folders: hearth-data-layout had nothing to create and was skipped.
  t.equal(done[6], 'no', 'hearth-data-layout skipped by its conditions');

  const { stdout: archive } = await run('podman', ['save', '--format', 'docker-archive', 'localhost/hearth/busybox:latest'],
    { encoding: 'buffer', maxBuffer: 64 << 20 });
  const loaded = await http({ port: vm.apiPort, path: '/v1/images/load', method: 'POST', body: archive,
    contentType: 'application/x-tar', timeoutMs: 240_000 });
  t.equal(loaded.status, 200, `image load: ${loaded.body}`);

  const installed = await http({ port: vm.apiPort, path: '/v1/apps?wait=true&timeoutMs=400000', method: 'POST',
    body: JSON.stringify({ compose }), timeoutMs: 420_000 });
  t.equal(installed.status, 200, 'install accepted');
  const lines = installed.body.trim().split('\n').map((l) => JSON.parse(l) as { type?: string; ok?: boolean });
  const result = lines.at(-1);
  t.same({ type: result?.type, ok: result?.ok }, { type: 'result', ok: true }, `install result: ${installed.body.slice(-500)}`);

  // Through the agent's ingress on guest port 80, by Host header: <route>.<device domain>.
  let page = { status: 0, body: '' };
  for (let i = 0; i < 60 && page.status !== 200; i++) {
    page = await http({ port: vm.ingressPort, path: '/', host: `tiny.${h.deviceDomain}`, timeoutMs: 20_000 })
      .catch((e: Error) => ({ status: 0, body: e.message }));
    if (page.status !== 200) await new Promise((r) => setTimeout(r, 2000));
  }
  t.equal(page.status, 200, `ingress answered: ${page.body.slice(0, 200)}`);
  t.match(page.body, /hello from the hearth image boot test/);

  const code = await vm.powerdown();
  t.equal(code, 0, 'QEMU exited cleanly after system_powerdown');
  t.match(vm.serial(), /reboot: Power down|Powering off/, 'guest shut down via ACPI');
});

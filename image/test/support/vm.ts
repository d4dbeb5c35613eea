// Test support: build a Hearth image and boot it under QEMU (TCG + OVMF), with the agent API and ingress
// forwarded to free loopback ports, serial output in a log file and QMP for a clean power-off.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { request } from 'node:http';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const run = promisify(execFile);

/** Byte offset of the partition named `esp` in a disk image, for mtools (`disk.img@@OFFSET`) or MtoolsEsp. */
export async function espOffset(disk: string): Promise<number> {
  const { stdout } = await run('sfdisk', ['--json', disk]);
  const parts = (JSON.parse(stdout) as { partitiontable: { partitions: { name?: string; start: number }[] } }).partitiontable.partitions;
  const esp = parts.find((p) => p.name === 'esp');
  if (!esp) throw new Error(`${disk}: no partition named esp`);
  return esp.start * 512;
}

// Terminal escape sequences (colours, cursor moves) in build and serial output, removed for readable messages.
// eslint-disable-next-line no-control-regex
export const ANSI = /\x1b\[[0-9;?]*[a-zA-Z]/g;

/** Builds (warm: reusing the base cache) a developer image into `outDir`; returns the disk image path. */
export function buildDevImage(outDir: string, log: (line: string) => void): Promise<string> {
  return buildX86Image(outDir, log, { dev: true });
}

/** Builds (warm: reusing the base cache) an x86-64 image into `outDir`: developer or release (what users flash). */
export async function buildX86Image(outDir: string, log: (line: string) => void, o: { dev: boolean }): Promise<string> {
  await new Promise<void>((ok, fail) => {
    const p = spawn(join(repoRoot, 'image/build.sh'), ['--target', 'x86-64'], {
      env: { ...process.env, HEARTH_DEV: o.dev ? '1' : '0', HEARTH_IMAGE_OUT: outDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const onData = (b: Buffer) => {
      for (const line of b.toString().split('\n')) {
        if (!line) continue;
        tail.push(line); if (tail.length > 40) tail.shift();
        if (line.includes('[image')) log(line.replace(ANSI, ''));
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('error', fail);
    p.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`image/build.sh exited ${code}:\n${tail.join('\n')}`))));
  });
  return join(outDir, o.dev ? 'hearth-x86-64-dev.img' : 'hearth-x86-64.img');
}

/**
 * How long a test waits for one boot (or one boot stage) under TCG. Measured on two machines of this kind: a
 * release boot to hearth-health took 58-81 s on the first and 145 s alone on the second (AMD EPYC, where TCG is
 * ~2.2x slower: a bare Debian boots in 51 s instead of 20-23), and with two test files booting VMs at once on its
 * 2 cores a release boot took more than 300 s (a CI run failed there). 600 s still catches a boot that hangs.
 */
export const VM_BOOT_TIMEOUT_MS = 600_000;

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? ok(a.port) : fail(new Error('no port'))));
    });
  });
}

export interface VmOptions {
  workDir: string;
  /** Disk image file; `format` raw (modified in place) or qcow2. */
  disk: string;
  format: 'raw' | 'qcow2';
  memoryMb?: number;
  /** aarch64: `-M virt -cpu cortex-a72` with direct kernel boot (the Pi image's kernel); default x86_64 + OVMF. */
  arch?: 'x86_64' | 'aarch64';
  directBoot?: { kernel: string; initrd: string; append: string };
}

export class QemuVm {
  readonly serialLog: string;
  readonly qmpPath: string;
  private proc: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  apiPort = 0;
  ingressPort = 0;

  constructor(private readonly o: VmOptions) {
    this.serialLog = join(o.workDir, 'serial.log');
    this.qmpPath = join(o.workDir, 'qmp.sock');
  }

  async start(): Promise<void> {
    this.apiPort = await freePort();
    this.ingressPort = await freePort();
    const common = [
      '-m', String(this.o.memoryMb ?? 2048), '-smp', '2',
      '-drive', `if=virtio,format=${this.o.format},file=${this.o.disk}`,
      '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${this.apiPort}-:8080,hostfwd=tcp:127.0.0.1:${this.ingressPort}-:80`,
      '-device', 'virtio-net-pci,netdev=n0',
      '-display', 'none', '-monitor', 'none',
      '-chardev', `file,id=s0,path=${this.serialLog}`, '-serial', 'chardev:s0',
      '-qmp', `unix:${this.qmpPath},server=on,wait=off`,
    ];
    let binary = 'qemu-system-x86_64';
    let args: string[];
    if (this.o.arch === 'aarch64') {
      const d = this.o.directBoot;
      if (!d) throw new Error('aarch64 VMs boot their kernel directly: pass directBoot');
      binary = 'qemu-system-aarch64';
      args = ['-M', 'virt', '-cpu', 'cortex-a72', '-accel', 'tcg', '-kernel', d.kernel, '-initrd', d.initrd, '-append', d.append, ...common];
    } else {
      const vars = join(this.o.workDir, 'OVMF_VARS.fd');
      if (!existsSync(vars)) copyFileSync('/usr/share/OVMF/OVMF_VARS_4M.fd', vars);
      args = [
        '-accel', 'tcg', '-cpu', 'max', '-machine', 'q35',
        '-drive', 'if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd',
        '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
        ...common,
      ];
    }
    const p = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
    this.proc = p;
    this.exited = new Promise((ok) => p.on('exit', (code) => {
      if (code && stderr) console.error(`qemu: ${stderr.trim()}`);
      ok(code);
    }));
  }

  get running(): boolean { return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null; }

  serial(): string { return existsSync(this.serialLog) ? readFileSync(this.serialLog, 'latin1') : ''; }

  /** Resolves when `re` matches the serial output (from byte `from`); rejects at the deadline or if QEMU exits. */
  async waitForSerial(re: RegExp, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.serial().slice(from).match(re);
      if (m) return m;
      if (!this.running) throw new Error(`QEMU exited while waiting for ${re}; serial tail:\n${this.tail()}`);
      if (Date.now() > end) throw new Error(`no ${re} on the serial console within ${timeoutMs / 1000}s; tail:\n${this.tail()}`);
      await sleep(1000);
    }
  }

  tail(n = 3000): string { return this.serial().slice(-n).replace(ANSI, ''); }

  async qmp(command: string): Promise<void> {
    await new Promise<void>((ok, fail) => {
      const s = connect(this.qmpPath);
      let buf = '';
      let sent = false;
      s.on('data', (d) => {
        buf += d.toString();
        if (!sent && buf.includes('"QMP"')) {
          sent = true;
          s.write(JSON.stringify({ execute: 'qmp_capabilities' }) + JSON.stringify({ execute: command }));
        }
        if ((buf.match(/"return"/g) ?? []).length >= 2) { s.end(); ok(); }
        if (buf.includes('"error"')) { s.destroy(); fail(new Error(`QMP ${command}: ${buf}`)); }
      });
      s.on('error', fail);
    });
  }

  /** Clean ACPI power-off; resolves with QEMU's exit code once the guest has shut down. */
  async powerdown(timeoutMs = 180_000): Promise<number | null> {
    await this.qmp('system_powerdown');
    const t = sleep(timeoutMs).then(() => { throw new Error(`guest did not power off within ${timeoutMs / 1000}s:\n${this.tail()}`); });
    return Promise.race([this.exited, t]);
  }

  async kill(): Promise<void> {
    if (this.running) { this.proc?.kill('SIGKILL'); await this.exited; }
  }
}

export interface HttpResult { status: number; body: string }

export function http(o: { port: number; path: string; method?: string; host?: string; body?: Buffer | string;
  contentType?: string; timeoutMs?: number }): Promise<HttpResult> {
  return new Promise((ok, fail) => {
    const headers: Record<string, string | number> = {};
    if (o.host) headers.host = o.host;
    if (o.body !== undefined) { headers['content-type'] = o.contentType ?? 'application/json'; headers['content-length'] = Buffer.byteLength(o.body); }
    const req = request({ host: '127.0.0.1', port: o.port, path: o.path, method: o.method ?? 'GET', headers, timeout: o.timeoutMs ?? 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout ${o.method ?? 'GET'} ${o.path}`)));
    req.on('error', fail);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

/** Polls until `GET path` answers 200 (the agent's health endpoint), or throws with the serial tail. */
export async function waitForHttp200(vm: QemuVm, path: string, timeoutMs: number): Promise<HttpResult> {
  const end = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      const r = await http({ port: vm.apiPort, path, timeoutMs: 5_000 });
      if (r.status === 200) return r;
      last = `HTTP ${r.status} ${r.body.slice(0, 200)}`;
    } catch (err) { last = (err as Error).message; }
    if (!vm.running) throw new Error(`QEMU exited before ${path} answered; serial tail:\n${vm.tail()}`);
    if (Date.now() > end) throw new Error(`${path} not 200 within ${timeoutMs / 1000}s (last: ${last}); serial tail:\n${vm.tail()}`);
    await sleep(2000);
  }
}

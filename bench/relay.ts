// Relay benchmark: bulk HTTPS download through relay → tunnel → device vs straight to the device vs through an
// `ssh -R` reverse tunnel; added latency for small requests; relay memory per idle tunnel (1,000 devices, against a
// baseline of 1,000 bare TLS connections); 1,000 concurrent streams. The relay runs as its own process (hearth-relay).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import https from 'node:https';
import type http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ed25519 } from '@noble/curves/ed25519.js';
import { pino } from 'pino';
import { TunnelClient } from '../agent/src/tunnel/client.js';
import { TUNNEL_ALPN } from '../agent/src/tunnel/protocol.js';
import { TlsTerminator } from '../agent/src/tls/terminator.js';
import { StaticSource } from '../agent/test/tls/fixtures.js';
import { median } from './_stats.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../relay/src/main.ts', import.meta.url));
const ZONE = 'bench.test';
const BULK_MIB = Number(process.env.RELAY_BENCH_MIB ?? 512);
const CHUNK = Buffer.alloc(1024 * 1024, 0x61);
/** Downloads per path for the throughput medians. */
const ROUNDS = Number(process.env.RELAY_BENCH_ROUNDS ?? 3);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface MemoryReport { rssKiB: number; tunnels: number }

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function cert(dir: string, name: string, san: string): Promise<{ cert: string; key: string }> {
  const c = join(dir, `${name}.crt`);
  const k = join(dir, `${name}.key`);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', k, '-out', c, '-days', '1', '-subj', '/CN=bench', '-addext', `subjectAltName=${san}`]);
  return { cert: c, key: k };
}

async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 1/100 s
}

async function curlMbps(url: string, resolve: string, cacert: string): Promise<number> {
  const { stdout } = await run('curl', ['-sS', '--fail', '-o', '/dev/null', '-w', '%{speed_download} %{size_download}', '--resolve', resolve, '--cacert', cacert, url], { maxBuffer: 1 << 20 });
  const [speed, size] = stdout.split(' ').map(Number);
  if (size !== BULK_MIB * 1024 * 1024) throw new Error(`short download: ${size} bytes`);
  return Math.round((speed! * 8) / 1e6);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Small keep-alive requests, alternating between the two paths so both see the same background noise. */
async function latencies(host: string, ports: [number, number], ca: Buffer, n: number): Promise<[number[], number[]]> {
  const agents = ports.map(() => new https.Agent({ keepAlive: true, maxSockets: 1 }));
  const out: [number[], number[]] = [[], []];
  for (let i = 0; i < n + 50; i++) {
    for (const which of [0, 1] as const) {
      const start = process.hrtime.bigint();
      await new Promise<void>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port: ports[which], servername: host, headers: { host }, path: '/small', ca, agent: agents[which] }, (res) => {
          res.resume();
          res.on('end', resolve);
        }).on('error', reject);
      });
      if (i >= 50) out[which].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  for (const a of agents) a.destroy();
  return [out[0].sort((a, b) => a - b), out[1].sort((a, b) => a - b)];
}

async function startSshd(dir: string, targetPort: number): Promise<{ port: number; stop: () => void }> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_key.pub')));
  await chmod(join(dir, 'authorized_keys'), 0o600);
  const sshPort = await freePort();
  await writeFile(join(dir, 'sshd_config'), [`Port ${sshPort}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no',
    'StrictModes no', 'AllowTcpForwarding yes', 'PidFile none', 'PermitRootLogin prohibit-password'].join('\n'));
  await run('mkdir', ['-p', '/run/sshd']);
  const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
  await sleep(500);
  const forwardPort = await freePort();
  const ssh = spawn('ssh', ['-N', '-p', String(sshPort), '-i', join(dir, 'client_key'), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'ExitOnForwardFailure=yes', '-R', `127.0.0.1:${forwardPort}:127.0.0.1:${targetPort}`, 'root@127.0.0.1'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = tls.connect({ host: '127.0.0.1', port: forwardPort, rejectUnauthorized: false }, () => { s.destroy(); r(true); });
      s.on('error', () => r(false));
    });
    if (up) break;
    await sleep(100);
  }
  return { port: forwardPort, stop: () => { ssh.kill(); sshd.kill(); } };
}

export default async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-relay-bench-'));
  const children: ChildProcess[] = [];
  const clients: TunnelClient[] = [];
  const terminators: TlsTerminator[] = [];
  try {
    const tunnelCert = await cert(dir, 'tunnel', 'IP:127.0.0.1');
    const configPath = join(dir, 'relay.json');
    await writeFile(configPath, JSON.stringify({
      relayName: '127.0.0.1', zone: ZONE, listen: { host: '127.0.0.1', https: 0, http: 0, tunnel: 0 }, tunnelTls: tunnelCert,
      limits: { loginTimeoutMs: 120_000, loginsPerIp: { capacity: 100_000, refillPerSecond: 10_000 }, maxStreamsPerDevice: 2048 },
    }));
    const memoryWaiters = new Map<number, (report: MemoryReport) => void>();
    /** RSS after a full GC in the relay (SIGUSR2 → "memory report" log line), in KiB, and its tunnel count. */
    const liveKiB = (pid: number): Promise<MemoryReport> => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`relay ${pid} sent no memory report within 10 s`)), 10_000);
      memoryWaiters.set(pid, (report) => {
        clearTimeout(timer);
        resolve(report);
      });
      process.kill(pid, 'SIGUSR2');
    });
    /**
     * RSS once the relay has settled. V8 doubles its young generation during a burst of logins; a full GC that comes
     * once allocation has been quiet for a while shrinks it again (one right after the burst does not), and the freed
     * pages reach the OS some seconds after that GC. A relay holding idle devices gets there by itself (keepalives
     * keep causing GCs); the bench takes a report after a full GC every 10 s until three in a row agree within 1%
     * (after at least 30 s, at most 120 s). Measured: 3 s after 1,000 logins ~90 KiB per tunnel, settled ~60.
     */
    const settledKiB = async (pid: number): Promise<MemoryReport> => {
      const started = Date.now();
      const reports: MemoryReport[] = [];
      for (;;) {
        reports.push(await liveKiB(pid));
        const last = reports.slice(-3).map((r) => r.rssKiB);
        const steady = last.length === 3 && Math.max(...last) - Math.min(...last) <= 0.01 * Math.max(...last);
        if ((steady && Date.now() - started >= 30_000) || Date.now() - started >= 120_000) return reports.at(-1)!;
        await sleep(10_000);
      }
    };
    const nodeFlags = process.env.RELAY_BENCH_NODE_FLAGS?.trim() ?? '';
    const startRelay = async (): Promise<{ pid: number; https: number; tunnel: number }> => {
      const prof = process.env.RELAY_BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.RELAY_BENCH_PROF] : [];
      // e.g. RELAY_BENCH_NODE_FLAGS=--max-semi-space-size=8: the memory/throughput knob docs/RELAY.md describes.
      const extra = nodeFlags ? nodeFlags.split(/\s+/) : [];
      const child = spawn(process.execPath, [...prof, ...extra, '--expose-gc', '--import', 'tsx', MAIN, '--config', configPath, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      return new Promise((resolve) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          const e = JSON.parse(line) as { msg: string; https: number; tunnel: number; memory?: { rss: number }; tunnels?: number };
          if (e.msg === 'relay listening') resolve({ ...e, pid: child.pid! });
          if (e.msg === 'memory report') memoryWaiters.get(child.pid!)?.({ rssKiB: Math.round(e.memory!.rss / 1024), tunnels: e.tunnels ?? 0 });
        });
      });
    };
    const ports = await startRelay();
    const ca = await readFile(tunnelCert.cert);
    const log = pino({ level: 'silent' });
    const newClient = (tunnelPort = ports.tunnel, dataSpares?: { max: number }): TunnelClient => {
      const secretKey = ed25519.utils.randomSecretKey();
      const c = new TunnelClient({ relays: [`tls://127.0.0.1:${tunnelPort}`], keyPair: { secretKey, publicKey: ed25519.getPublicKey(secretKey) }, ca, logger: log, dataSpares });
      clients.push(c);
      return c;
    };

    // The device: the agent's own TLS terminator (agent/src/tls), fed both by the tunnel and by its LAN listener
    // (the direct baseline), serving a handler that writes the bulk body.
    const serve = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      if (req.url !== '/bulk') return void res.end('ok\n');
      res.writeHead(200, { 'content-length': BULK_MIB * CHUNK.length });
      let sent = 0;
      const pump = (): void => {
        while (sent < BULK_MIB) {
          sent++;
          if (!res.write(CHUNK)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    };
    const terminatorFor = async (client: TunnelClient, certName: string): Promise<{ certFile: string; port: number }> => {
      const files = await cert(dir, certName, `DNS:*.${client.deviceId}.${ZONE}`);
      const source = new StaticSource();
      source.add(await readFile(files.key, 'utf8'), await readFile(files.cert, 'utf8'), [`*.${client.deviceId}.${ZONE}`]);
      const terminator = new TlsTerminator({ source, handler: serve, logger: log });
      terminators.push(terminator);
      client.on('stream', (stream, meta) => {
        if (meta.kind === 'tls') terminator.handleConnection(stream, { refuseAcme: meta.dataConnection === true });
        else terminator.handlePlainConnection(stream);
      });
      const { port } = await terminator.listenLocal(0, '127.0.0.1');
      return { certFile: files.cert, port };
    };
    const device = newClient();
    const name = `app.${device.deviceId}.${ZONE}`;
    const { certFile: deviceCertFile, port: directPort } = await terminatorFor(device, 'device');
    device.start();
    while (!device.status()[0]!.connected) await sleep(20);

    const url = (port: number): string => `https://${name}:${port}/bulk`;
    // Single downloads swing by +-25% here (the direct one most: 9-16 Gbit/s between runs), so each path is
    // downloaded ROUNDS times, alternating, and the medians are compared; every run is reported too.
    const directRuns: number[] = [];
    const throughRuns: number[] = [];
    let relayWall = 0;
    let deviceCpuUs = 0;
    let relayCpu = 0;
    const spareUsesBefore = device.status()[0]!.data?.used ?? 0;
    for (let round = 0; round < ROUNDS; round++) {
      directRuns.push(await curlMbps(url(directPort), `${name}:${directPort}:127.0.0.1`, deviceCertFile));
      const cpuBefore = [process.cpuUsage(), await cpuMs(ports.pid)] as const;
      const started = Date.now();
      throughRuns.push(await curlMbps(url(ports.https), `${name}:${ports.https}:127.0.0.1`, deviceCertFile));
      relayWall += Date.now() - started;
      const used = process.cpuUsage(cpuBefore[0]);
      deviceCpuUs += used.user + used.system;
      relayCpu += (await cpuMs(ports.pid)) - cpuBefore[1];
    }
    const direct = Math.round(median(directRuns));
    const through = Math.round(median(throughRuns));
    const viaDataConnection = (device.status()[0]!.data?.used ?? 0) - spareUsesBefore === ROUNDS;
    console.log(`relay download CPU: device process ${Math.round((deviceCpuUs / 1000 / relayWall) * 100)}%, relay process ${Math.round((relayCpu / relayWall) * 100)}% of one core`);
    console.log(`direct runs ${directRuns.join(', ')} Mbit/s; relay runs ${throughRuns.join(', ')} Mbit/s`);
    // The same download from a device that keeps every client inside its tunnel (data connections off): what the
    // relay path cost before data connections, and still costs where they cannot be used.
    const tunnelOnly = newClient(ports.tunnel, { max: 0 });
    const { certFile: tunnelOnlyCertFile } = await terminatorFor(tunnelOnly, 'tunnel-only');
    tunnelOnly.start();
    while (!tunnelOnly.status()[0]!.connected) await sleep(20);
    const tunnelOnlyName = `app.${tunnelOnly.deviceId}.${ZONE}`;
    const tunnelOnlyMbps = await curlMbps(`https://${tunnelOnlyName}:${ports.https}/bulk`, `${tunnelOnlyName}:${ports.https}:127.0.0.1`, tunnelOnlyCertFile);
    tunnelOnly.stop();
    console.log(`relay download over a data connection: ${viaDataConnection}; tunnel only: ${tunnelOnlyMbps} Mbit/s`);
    const ssh = await startSshd(dir, directPort);
    const sshR = await curlMbps(url(ssh.port), `${name}:${ssh.port}:127.0.0.1`, deviceCertFile);
    ssh.stop();
    console.log(`bulk ${BULK_MIB} MiB: direct ${direct} Mbit/s, relay ${through} Mbit/s, ssh -R ${sshR} Mbit/s`);

    const deviceCa = await readFile(deviceCertFile);
    const [latDirect, latRelay] = await latencies(name, [directPort, ports.https], deviceCa, 3000);
    const p50 = percentile(latRelay, 50) - percentile(latDirect, 50);
    const p99 = percentile(latRelay, 99) - percentile(latDirect, 99);
    console.log(`small request p50 direct ${percentile(latDirect, 50).toFixed(3)} ms relay ${percentile(latRelay, 50).toFixed(3)} ms; p99 direct ${percentile(latDirect, 99).toFixed(3)} relay ${percentile(latRelay, 99).toFixed(3)}`);

    // 1,000 concurrent streams: each a fresh TLS connection through the relay to the device.
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => new Promise<boolean>((resolve) => {
      https.get({ host: '127.0.0.1', port: ports.https, servername: name, headers: { host: name }, path: `/s${i}`, ca: deviceCa, agent: false, timeout: 60_000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve(res.statusCode === 200 && body === 'ok\n'));
      }).on('error', () => resolve(false));
    })));
    const streamsOk = results.filter(Boolean).length;
    console.log(`concurrent streams ok: ${streamsOk}/1000`);

    // Memory, each on a fresh relay process (freed memory is not returned to the OS, so a reused process would
    // understate the second figure): 1,000 idle tunnels, and as the floor any transport pays, 1,000 bare TLS
    // connections parked at the login challenge. Every figure is taken settled (see settledKiB); the figure 3 s after
    // the last login is kept beside it, since that is what a relay holds while devices are still arriving.
    const memRelay = await startRelay();
    const base = await settledKiB(memRelay.pid);
    const idle = Array.from({ length: 1000 }, () => newClient(memRelay.tunnel));
    for (let i = 0; i < idle.length; i += 50) {
      idle.slice(i, i + 50).forEach((c) => c.start());
      while (!idle.slice(i, i + 50).every((c) => c.status()[0]!.connected)) await sleep(20);
    }
    await sleep(3000);
    const afterBurst = await liveKiB(memRelay.pid);
    const withTunnels = await settledKiB(memRelay.pid);
    if (afterBurst.tunnels !== 1000 || withTunnels.tunnels !== 1000) throw new Error(`relay holds ${afterBurst.tunnels}, then ${withTunnels.tunnels} tunnels, not 1000`);
    for (const c of idle) c.stop();
    const bareRelay = await startRelay();
    const bareBase = await settledKiB(bareRelay.pid);
    const bare: tls.TLSSocket[] = [];
    for (let i = 0; i < 1000; i++) {
      bare.push(await new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: bareRelay.tunnel, ca, ALPNProtocols: [TUNNEL_ALPN] }, () => resolve(s));
        s.on('error', reject);
      }));
    }
    const withBare = await settledKiB(bareRelay.pid);
    if (bare.some((s) => s.destroyed)) throw new Error('the relay closed bare TLS connections before the sample');
    for (const s of bare) s.destroy();
    const perConnection = (after: MemoryReport, before: MemoryReport): number => Math.round((after.rssKiB - before.rssKiB) / 1000);
    const idleKiB = perConnection(withTunnels, base);
    const burstKiB = perConnection(afterBurst, base);
    const bareKiB = perConnection(withBare, bareBase);
    console.log(`relay RSS settled ${base.rssKiB} KiB; +1000 idle tunnels: ${afterBurst.rssKiB} KiB 3 s after the last login (${burstKiB} KiB each), settled ${withTunnels.rssKiB} KiB (${idleKiB} KiB each); fresh relay ${bareBase.rssKiB} KiB, +1000 bare TLS settled ${withBare.rssKiB} KiB (${bareKiB} KiB each)`);

    console.log(`RESULT ${JSON.stringify({
      throughput_mbps: through, direct_mbps: direct, throughput_ratio: Number((through / direct).toFixed(2)), ssh_r_mbps: sshR,
      tunnel_only_mbps: tunnelOnlyMbps, via_data_connection: viaDataConnection, direct_runs_mbps: directRuns, throughput_runs_mbps: throughRuns,
      p50_added_ms: Number(p50.toFixed(3)), p99_added_ms: Number(p99.toFixed(3)),
      idle_tunnel_kib: idleKiB, idle_tunnel_after_burst_kib: burstKiB, bare_tls_kib: bareKiB, streams_ok: streamsOk,
      ...(nodeFlags ? { relay_node_flags: nodeFlags } : {}),
    })}`);
  } finally {
    for (const c of clients) c.stop();
    await Promise.all(terminators.map((t) => t.close()));
    await Promise.all(children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      const force = setTimeout(() => c.kill('SIGKILL'), 6000);
      c.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      c.kill();
    })));
    await rm(dir, { recursive: true, force: true });
  }
  setTimeout(() => process.exit(0), 200).unref();
}

// A real ACME CA for tests: Debian's `pebble` plus `pebble-challtestsrv` (its mock DNS), on free ports.
// Pebble's validator connects to <A record of the name>:httpPort (HTTP-01) and :tlsPort (TLS-ALPN-01); the A
// record is challtestsrv's default IPv4 (setDefaultIPv4), so point both at wherever the device's answers are
// reachable (loopback in unit tests, the relay in end-to-end tests). Pebble ships no certificate for its own
// HTTPS listener: one is made here with openssl, for 127.0.0.1/localhost and any extra IPs. challtestsrv alone is
// also the real DNS server of the relay's custom-domain (TXT) tests.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Agent, request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PebbleOptions {
  /** Port Pebble's validator uses for HTTP-01. */
  httpPort: number;
  /** Port Pebble's validator uses for TLS-ALPN-01. */
  tlsPort: number;
  /** A record for every name (default 127.0.0.1). */
  defaultIPv4?: string;
  /** Address Pebble's ACME and management listeners bind (default 127.0.0.1). */
  listenHost?: string;
  /** Extra IP SANs for Pebble's listener certificate (e.g. the host's address on a test bridge). */
  extraIps?: string[];
  /** Lifetime of issued certificates in seconds (Pebble's certificateValidityPeriod; default 5 years). */
  certValiditySeconds?: number;
  /** Extra environment (e.g. PEBBLE_VA_ALWAYS_VALID=1 for fast unit tests that do not test validation). */
  env?: Record<string, string>;
}

export interface Pebble {
  /** ACME directory URL on the listen address (127.0.0.1 when listening on all). */
  directoryUrl: string;
  directoryUrlFor(host: string): string;
  /** Trust anchor for Pebble's own HTTPS listeners (not for issued certificates). */
  listenerCaPem: string;
  /** Root of the certificates Pebble issues in this run. */
  rootCaPem(): Promise<string>;
  setDefaultIPv4(ip: string): Promise<void>;
  addTxt(host: string, value: string): Promise<void>;
  clearTxt(host: string): Promise<void>;
  /** Pebble's and challtestsrv's logs so far (for assertion messages). */
  logs(): string;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** pebble-challtestsrv: Pebble's mock DNS (A records for validation), also a real DNS server for TXT records. */
export interface ChallTestSrv {
  /** host:port of its DNS server (UDP and TCP). */
  dns: string;
  setDefaultIPv4(ip: string): Promise<void>;
  addTxt(host: string, value: string): Promise<void>;
  clearTxt(host: string): Promise<void>;
  logs(): string;
  stop(): Promise<void>;
}

export async function startChallTestSrv(opts: { defaultIPv4?: string } = {}): Promise<ChallTestSrv> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-challtestsrv-'));
  const ip = opts.defaultIPv4 ?? '127.0.0.1';
  try {
    const { proc, logFile, ports: [dnsPort, mgmtPort] } = await withFreshPorts(dir, 'pebble-challtestsrv',
      ([dns, mgmt], log) => spawn('pebble-challtestsrv', ['-defaultIPv4', ip, '-defaultIPv6', '', '-dns01', `127.0.0.1:${dns}`,
        '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${mgmt}`], { stdio: ['ignore', log, log] }),
      ([, mgmt]) => httpPost(mgmt, '/set-default-ipv4', { ip }));
    return {
      dns: `127.0.0.1:${dnsPort}`,
      setDefaultIPv4: (ip) => httpPost(mgmtPort, '/set-default-ipv4', { ip }).then(() => undefined),
      addTxt: (host, value) => httpPost(mgmtPort, '/set-txt', { host: fqdn(host), value }).then(() => undefined),
      clearTxt: (host) => httpPost(mgmtPort, '/clear-txt', { host: fqdn(host) }).then(() => undefined),
      logs: () => readFileSync(logFile, 'utf8'),
      stop: async () => {
        await stopProcess(proc);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-pebble-'));
  const listenHost = opts.listenHost ?? '127.0.0.1';
  // Where this process reaches the listeners itself.
  const local = listenHost === '0.0.0.0' ? '127.0.0.1' : listenHost;
  const ips = [...new Set(['127.0.0.1', local, ...(opts.extraIps ?? [])])];
  const san = ['DNS:localhost', ...ips.map((ip) => `IP:${ip}`)].join(',');
  let chall: ChallTestSrv | undefined;
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', '/CN=hearth test pebble', '-addext', `subjectAltName=${san}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const listenerCaPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const challtestsrv = await startChallTestSrv(opts.defaultIPv4 ? { defaultIPv4: opts.defaultIPv4 } : {});
    chall = challtestsrv;
    const config = join(dir, 'pebble.json');
    const { proc, logFile, ports: [acmePort, mgmtPort] } = await withFreshPorts(dir, 'pebble', ([acme, mgmt], log) => {
      writeFileSync(config, JSON.stringify({
        pebble: {
          listenAddress: `${listenHost}:${acme}`,
          managementListenAddress: `${listenHost}:${mgmt}`,
          certificate: join(dir, 'cert.pem'),
          privateKey: join(dir, 'key.pem'),
          httpPort: opts.httpPort,
          tlsPort: opts.tlsPort,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
          ...(opts.certValiditySeconds ? { certificateValidityPeriod: opts.certValiditySeconds } : {}),
        },
      }));
      return spawn('pebble', ['-config', config, '-dnsserver', challtestsrv.dns], {
        stdio: ['ignore', log, log],
        // No authorization reuse: every order is validated, so a test that breaks validation sees it fail.
        env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0', ...opts.env },
      });
    }, ([acme]) => httpsGet(`https://${local}:${acme}/dir`, listenerCaPem), local);
    return {
      directoryUrl: `https://${local}:${acmePort}/dir`,
      directoryUrlFor: (host) => `https://${host}:${acmePort}/dir`,
      listenerCaPem,
      rootCaPem: () => httpsGet(`https://${local}:${mgmtPort}/roots/0`, listenerCaPem),
      setDefaultIPv4: (ip) => challtestsrv.setDefaultIPv4(ip),
      addTxt: (host, value) => challtestsrv.addTxt(host, value),
      clearTxt: (host) => challtestsrv.clearTxt(host),
      logs: () => `${challtestsrv.logs()}${readFileSync(logFile, 'utf8')}`,
      stop: async () => {
        await Promise.all([stopProcess(proc), challtestsrv.stop()]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await chall?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

class PortTakenError extends Error {}

type Ports = [number, number];

/**
 * Starts a daemon on two free ports and waits until `ready` answers. Free ports are found by binding and letting
 * go, so another test may take one before the daemon binds it: then it starts again on fresh ports (5 attempts).
 * The daemon's stdout and stderr go to a log file in `dir`, one per attempt.
 */
async function withFreshPorts(
  dir: string, what: string,
  /** Spawns the daemon with `log` (a file descriptor) as its stdout and stderr. */
  start: (ports: Ports, log: number) => ChildProcess,
  ready: (ports: Ports) => Promise<unknown>,
  host = '127.0.0.1',
): Promise<{ proc: ChildProcess; logFile: string; ports: Ports }> {
  for (let attempt = 1; ; attempt++) {
    const ports: Ports = [await freePort(host), await freePort(host)];
    const logFile = join(dir, `${what}-${attempt}.log`);
    const out = openSync(logFile, 'a');
    let proc: ChildProcess | undefined;
    try {
      proc = start(ports, out);
      closeSync(out); // the daemon has its own copy
      await waitFor(() => ready(ports), what, logFile, proc);
      return { proc, logFile, ports };
    } catch (err) {
      if (proc) await stopProcess(proc);
      else closeSync(out);
      if (!(err instanceof PortTakenError) || attempt >= 5) throw err;
    }
  }
}

function fqdn(host: string): string {
  return host.endsWith('.') ? host : `${host}.`;
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 5000).unref();
  });
}

/** Polls until `fn` succeeds. A port another process took is a PortTakenError (start again on fresh ports): Pebble
 * exits then, challtestsrv logs it and runs on without the listener, while the probe may reach the other process.
 * A process that exits for another reason is reported with the log. */
async function waitFor(fn: () => Promise<unknown>, what: string, logFile: string, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const exited = proc.exitCode !== null || proc.signalCode !== null; // read before the log, which then has its last words
    const log = readFileSync(logFile, 'utf8');
    if (/bind: address already in use/.test(log)) throw new PortTakenError(`${what}: a port was taken:\n${log}`);
    if (exited) throw new Error(`${what} exited (${proc.exitCode ?? proc.signalCode}) before it answered:\n${log}`);
    try {
      // Bounded: a port taken by a process that accepts and never answers would hold the probe, and the check above.
      await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref())]);
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`${what} did not come up: ${(err as Error).message}\n${readFileSync(logFile, 'utf8')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: new Agent({ ca }) }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`GET ${url}: ${res.statusCode} ${body}`));
      });
    });
    req.on('error', reject).end();
  });
}

function httpPost(port: number, path: string, body: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => {
        if (res.statusCode === 200) resolve(text);
        else reject(new Error(`POST ${path}: ${res.statusCode} ${text}`));
      });
    });
    req.on('error', reject).end(JSON.stringify(body));
  });
}

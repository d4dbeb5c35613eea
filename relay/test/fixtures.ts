// Shared pieces for relay tests: throwaway certificates (openssl), a relay on ephemeral ports, a device that
// terminates TLS with node:tls behind a real TunnelClient, curl as the outside client, and polling with a deadline.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ed25519 } from '@noble/curves/ed25519.js';
import { pino, type Logger } from 'pino';
import { TunnelClient, type TunnelClientOptions } from '../../agent/src/tunnel/client.js';
import { buildConfig, type RelayConfig } from '../src/config.js';
import type { Clock } from '../src/rate-limit.js';
import { startChallTestSrv as startChallTestSrvProcess } from '../../test-support/pebble.js';
import { RelayServer, type RelayAddresses } from '../src/server.js';

export const run = promisify(execFile);
export { freePort } from '../../test-support/pebble.js';

export function quietLogger(): Logger {
  return pino({ level: process.env.RELAY_TEST_LOG ?? 'silent' });
}

export async function tempDir(t: { teardown(fn: () => unknown): void }, prefix = 'hearth-relay-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface CertFiles {
  cert: string;
  key: string;
  certPem: Buffer;
  keyPem: Buffer;
}

/** A self-signed P-256 certificate for the given DNS names and IPs. */
export async function makeCert(dir: string, name: string, dns: string[], ips: string[] = []): Promise<CertFiles> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(',');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', `/CN=${dns[0] ?? ips[0]}`, '-addext', `subjectAltName=${san}`]);
  return { cert, key, certPem: await readFile(cert), keyPem: await readFile(key) };
}

export const ZONE = 'relay.test';

export async function startRelay(
  t: { teardown(fn: () => unknown): void },
  dir: string,
  overrides: Partial<RelayConfig> = {},
  opts: { host?: string; tunnelCert?: CertFiles; clock?: Clock } = {},
): Promise<{ relay: RelayServer; ports: RelayAddresses; tunnelCert: CertFiles; config: RelayConfig }> {
  const host = opts.host ?? '127.0.0.1';
  const tunnelCert = opts.tunnelCert ?? (await makeCert(dir, `tunnel-${host}`, ['localhost'], [host]));
  const config = buildConfig({
    relayName: host,
    zone: ZONE,
    tunnelTls: { cert: tunnelCert.cert, key: tunnelCert.key },
    listen: { host, https: 0, http: 0, tunnel: 0 },
    ...overrides,
    limits: { keepaliveIntervalMs: 1000, keepaliveTimeoutMs: 2000, ...overrides.limits } as RelayConfig['limits'],
  });
  const relay = new RelayServer(config, { log: quietLogger(), ...(opts.clock ? { clock: opts.clock } : {}) });
  const ports = await relay.start();
  t.teardown(() => relay.close());
  return { relay, ports, tunnelCert, config };
}

export function newKeyPair(): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const { secretKey, publicKey } = ed25519.keygen();
  return { secretKey, publicKey };
}

export interface Device {
  client: TunnelClient;
  deviceId: string;
  cert: CertFiles;
  tls: https.Server;
  http: http.Server;
}

/** A device: TunnelClient plus an HTTPS server that says which name and device answered. */
export async function startDevice(
  t: { teardown(fn: () => unknown): void },
  dir: string,
  options: Omit<TunnelClientOptions, 'logger' | 'keyPair'> & { keyPair?: TunnelClientOptions['keyPair']; body?: (name: string) => Buffer | string },
): Promise<Device> {
  const keyPair = options.keyPair ?? newKeyPair();
  const client = new TunnelClient({
    backoff: { initialMs: 100, maxMs: 1000 },
    keepaliveIntervalMs: 1000,
    keepaliveTimeoutMs: 2000,
    ...options,
    keyPair,
    logger: quietLogger(),
  });
  const id = client.deviceId;
  const cert = await makeCert(dir, `device-${id}`, [`${id}.${ZONE}`, `*.${id}.${ZONE}`, ...(options.domains ?? [])]);
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const name = (req.headers.host ?? '').replace(/:\d+$/, '');
    const body = options.body ? options.body(name) : `hello from ${id} as ${name} path ${req.url}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) }).end(body);
  };
  const tls = https.createServer({ cert: cert.certPem, key: cert.keyPem }, handler);
  const plain = http.createServer(handler);
  client.on('stream', (stream, meta) => (meta.kind === 'tls' ? tls : plain).emit('connection', stream));
  client.start();
  t.teardown(() => {
    client.stop();
    tls.close();
    plain.close();
  });
  return { client, deviceId: id, cert, tls, http: plain };
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 50): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    try {
      if (await check()) return Date.now() - start;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** curl as the outside HTTPS client, pinned to the relay's address with --resolve and trusting only `cacert`. */
export async function curlHttps(name: string, port: number, cacert: string, path = '/', address = '127.0.0.1', extra: string[] = []): Promise<string> {
  const { stdout } = await run('curl', ['-sS', '--fail', '--max-time', '10', '--resolve', `${name}:${port}:${address}`, '--cacert', cacert, ...extra, `https://${name}:${port}${path}`], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** pebble-challtestsrv as a real DNS server for TXT records; returns its DNS address and a set-txt function. */
export async function startChallTestSrv(t: { teardown(fn: () => unknown): void }): Promise<{ dns: string; setTxt: (host: string, value: string) => Promise<void> }> {
  const chall = await startChallTestSrvProcess();
  t.teardown(() => chall.stop());
  return { dns: chall.dns, setTxt: (host, value) => chall.addTxt(host, value) };
}

/** Sends `bytes` (optionally then silence) and resolves when the relay closes the connection. */
export function sendAndWaitClose(port: number, bytes: Buffer, endAfter: boolean): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.write(bytes);
      if (endAfter) s.end();
    });
    s.on('data', () => undefined);
    s.on('error', () => resolve());
    s.on('close', () => resolve());
  });
}

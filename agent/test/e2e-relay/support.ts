// Shared by the network-namespace end-to-end tests: polling with a deadline, stopping children, and the real relay
// (relay/src/main.ts) started inside the "cloud" namespace with only its tunnel certificate and key.
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Topology } from '../../../test-support/netns.js';
import { startPebble } from '../../../test-support/pebble.js';

export const run = promisify(execFile);
const RELAY_MAIN = fileURLToPath(new URL('../../../relay/src/main.ts', import.meta.url));

export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, detail = (): string => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** The relay in `host`'s namespace: https 443, http 80, tunnel 9443; returns its folder (tunnel.crt, tunnel.key). */
export async function startRelayIn<K extends string>(
  t: { teardown(fn: () => unknown): void },
  topo: Topology<K>,
  host: K,
  dir: string,
  zone: string,
): Promise<{ relayDir: string; relay: ChildProcess }> {
  const ip = topo.hosts[host].ip;
  const relayDir = join(dir, 'relay');
  await mkdir(relayDir);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=relay', '-addext', `subjectAltName=IP:${ip}`, '-keyout', join(relayDir, 'tunnel.key'), '-out', join(relayDir, 'tunnel.crt')]);
  await writeFile(join(relayDir, 'relay.yaml'), [
    `relayName: ${ip}`, `zone: ${zone}`, 'listen: { host: 0.0.0.0, https: 443, http: 80, tunnel: 9443 }',
    `tunnelTls: { cert: ${join(relayDir, 'tunnel.crt')}, key: ${join(relayDir, 'tunnel.key')} }`,
    'limits: { keepaliveIntervalMs: 1000, keepaliveTimeoutMs: 2000 }',
  ].join('\n'));
  const relay = topo.spawn(host, [process.execPath, '--import', 'tsx', RELAY_MAIN, '--config', join(relayDir, 'relay.yaml'), '--log-level', 'warn'], { stdio: ['ignore', 'inherit', 'inherit'] });
  t.teardown(() => stopChild(relay));
  return { relayDir, relay };
}

/**
 * The cloud side of an e2e test: Pebble in the host namespace (its validator sent to the relay), the relay in
 * `host`, and tcpdump on the relay's only interface (tunnel, phone and CA traffic all cross it), listening.
 */
export async function startCloud<K extends string>(t: { teardown(fn: () => unknown): void }, topo: Topology<K>, host: K, dir: string, zone: string) {
  const pebble = await startPebble({ httpPort: 80, tlsPort: 443, defaultIPv4: topo.hosts[host].ip, listenHost: topo.hostIp });
  t.teardown(() => pebble.stop());
  const pebbleCa = join(dir, 'pebble-listener.pem');
  await writeFile(pebbleCa, pebble.listenerCaPem);
  const { relayDir } = await startRelayIn(t, topo, host, dir, zone);
  const pcap = join(dir, 'relay.pcap');
  const tcpdump = topo.spawn(host, ['tcpdump', '-i', 'eth0', '--immediate-mode', '-U', '-s', '0', '-n', '-w', pcap], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => stopChild(tcpdump));
  let tcpdumpErr = '';
  tcpdump.stderr?.on('data', (c: Buffer) => (tcpdumpErr += c.toString()));
  await waitFor('tcpdump to listen', () => tcpdumpErr.includes('listening on') || undefined, 15_000, () => tcpdumpErr);
  return { pebble, pebbleCa, relayDir, pcap, tcpdump };
}

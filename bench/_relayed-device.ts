// The agent as a relayed device runs it (bench/agent.ts's second phase): a tunnel to a real relay, certificates from
// an ACME CA (Pebble) validated through that relay, ten apps. Memory is read twice: once the certificate for all
// ten names has been issued (acme-client loaded by the issuance), and after a restart of the agent with the same
// data folder (the certificate is loaded from disk, nothing is issued: what a device holds on most days).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HearthClient } from '../agent/src/client/index.js';
import { nodeTransport } from '../agent/src/client/node-transport.js';
import { ZONE, curlHttps, startRelay, waitFor } from '../relay/test/fixtures.js';
import { webApp } from '../test-support/compose.js';
import { newScope, removeScope } from '../test-support/engine.js';
import { startPebble } from '../test-support/pebble.js';
import { memorySplitMb, rssMb } from './_memory.js';
import { round } from './_stats.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const APPS = 10;

export interface RelayedDeviceFigures {
  /** RSS 10 s after the certificate for every app's name was served through the relay. */
  relayed_idle_rss_mb: number;
  relayed_idle_anon_mb: number;
  /** The same device restarted (certificate on disk): RSS 10 s after it serves every name again. */
  relayed_restart_rss_mb: number;
  relayed_restart_anon_mb: number;
  /** Certificates the restarted agent requested: 0 unless something made it re-issue. */
  relayed_restart_issuances: number;
}

export async function measureRelayedDevice(o: { bundle: string; dir: string; engineSocket: string; nodeFlags: readonly string[]; env: Record<string, string> }): Promise<RelayedDeviceFigures> {
  const teardowns: Array<() => unknown> = [];
  const t = { teardown: (fn: () => unknown) => void teardowns.push(fn) };
  const scope = newScope('bench-relayed');
  let agent: { proc: ChildProcess; log: () => string } | undefined;
  try {
    const { ports, tunnelCert } = await startRelay(t, o.dir);
    const pebble = await startPebble({ httpPort: ports.http!, tlsPort: ports.https });
    teardowns.push(() => pebble.stop());
    const acmeCaFile = join(o.dir, 'pebble-listener.pem');
    writeFileSync(acmeCaFile, pebble.listenerCaPem);
    const rootFile = join(o.dir, 'pebble-root.pem');
    const configFile = join(o.dir, 'agent-relayed.json');
    const socketPath = join(o.dir, 'agent-relayed.sock');
    writeFileSync(configFile, JSON.stringify({
      dataDir: join(o.dir, 'data-relayed'),
      deviceDomain: 'unused.test',
      engine: { socketPath: o.engineSocket, scope },
      api: { socketPath },
      ingress: { host: '127.0.0.1', port: 0 },
      pairing: { secretFile: join(o.dir, 'none'), resetMarker: join(o.dir, 'none-reset') },
      relay: { urls: [`tls://127.0.0.1:${ports.tunnel}`], zone: ZONE, caFile: tunnelCert.cert, publicPort: ports.https },
      tls: { acmeDirectoryUrl: pebble.directoryUrl, acmeCaFile, localPort: 0, localHost: '127.0.0.1' },
      logLevel: 'info',
      diskReserveMb: 1,
      stopTimeoutSeconds: 2,
    }));
    const client = new HearthClient(nodeTransport({ socketPath }));
    const start = async () => {
      const proc = spawn(process.execPath, [...o.nodeFlags, o.bundle], { env: { ...process.env, ...o.env, HEARTH_CONFIG: configFile }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      for (let i = 0; ; i++) {
        try {
          return { proc, log: () => out, domain: (await client.health()).deviceDomain };
        } catch {
          if (i > 300) throw new Error(`relayed agent did not start:\n${out}`);
          await sleep(100);
        }
      }
    };
    /** Until a TLS client through the relay verifies `name`'s certificate against Pebble's root. */
    const servedThroughRelay = async (name: string) => {
      writeFileSync(rootFile, await pebble.rootCaPem());
      try {
        await waitFor(`${name} served through the relay`, async () => (await curlHttps(name, ports.https, rootFile), true), 180_000, 1000);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${agent?.log().slice(-3000)}`);
      }
    };
    const sample = async () => {
      await sleep(10_000);
      return { rss: rssMb(agent!.proc.pid!), split: memorySplitMb(agent!.proc.pid!) };
    };

    const first = await start();
    agent = first;
    for (let i = 0; i < APPS; i++) {
      const r = await client.install({ compose: webApp({ id: `rel${i}` }) }, () => undefined);
      if (!r.ok) throw new Error(`install failed: ${r.message}`);
    }
    const lastName = `rel${APPS - 1}.${first.domain}`;
    await servedThroughRelay(lastName);
    const issued = await sample();

    await stop(agent.proc);
    const second = await start();
    agent = second;
    await servedThroughRelay(lastName);
    const restarted = await sample();
    const issuances = (second.log().match(/requesting certificate/g) ?? []).length;
    console.log(`relayed device (${APPS} apps, certificate from Pebble through the relay): RSS ${round(issued.rss)} MB after issuance, ${round(restarted.rss)} MB after a restart with the certificate on disk (${issuances} issuances after the restart)`);
    return {
      relayed_idle_rss_mb: round(issued.rss),
      relayed_idle_anon_mb: round(issued.split.anon),
      relayed_restart_rss_mb: round(restarted.rss),
      relayed_restart_anon_mb: round(restarted.split.anon),
      relayed_restart_issuances: issuances,
    };
  } finally {
    if (agent) await stop(agent.proc);
    removeScope(scope);
    for (const fn of teardowns.reverse()) await fn();
  }
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const force = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(force);
}

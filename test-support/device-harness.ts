// A whole device on this machine: a real Agent (real podman) with its device web (pairing, owner-only admin,
// the example catalog served over HTTP, the phone app when phone/dist exists), reached through its ingress at
// http://<device domain>:<port>/ (map *.hearth.test to 127.0.0.1 in the client).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Agent } from '../agent/src/agent.js';
import { parseConfig, type AgentConfig } from '../agent/src/config.js';
import { newScope, removeScope, requireEngine } from './engine.js';
import { serveExampleCatalog, type CatalogServer } from './catalog-server.js';

const ROOT = new URL('..', import.meta.url).pathname;

export interface Device {
  agent: Agent;
  /** e.g. dev-ab12cd.hearth.test */
  domain: string;
  /** http://<domain>:<ingress port>/ */
  url: string;
  ingressPort: number;
  pairingCode: string;
  pairingUrl: string;
  catalog: CatalogServer;
  dataDir: string;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export async function startDevice(t: Teardown, opts: { overrides?: Partial<AgentConfig> } = {}): Promise<Device> {
  const socket = requireEngine();
  const scope = newScope('dev');
  const dataDir = mkdtempSync(join(tmpdir(), 'hearth-device-'));
  const domain = `dev-${Math.random().toString(36).slice(2, 8)}.hearth.test`;
  const catalog = await serveExampleCatalog();
  const phoneDir = join(ROOT, 'phone', 'dist');
  const config = parseConfig({
    dataDir,
    deviceDomain: domain,
    engine: { socketPath: socket, scope },
    api: { socketPath: join(dataDir, 'agent.sock'), tcp: { host: '127.0.0.1', port: 0 } },
    ingress: { host: '127.0.0.1', port: 0 },
    pairing: { secretFile: join(dataDir, 'no-provisioned-secret'), resetMarker: join(dataDir, 'hearth-reset-pairing') },
    catalog: { url: catalog.url, publicKey: catalog.publicKey },
    phoneDir: existsSync(phoneDir) ? phoneDir : undefined,
    reconcileIntervalMs: 500,
    diskReserveMb: 1,
    stopTimeoutSeconds: 2,
    logLevel: 'warn',
    ...opts.overrides,
  });
  const agent = await Agent.create(config, { logger: pino({ level: process.env.HEARTH_TEST_LOG ?? 'warn' }) });
  await agent.start();
  t.teardown(async () => {
    await agent.stop();
    removeScope(scope);
    await catalog.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const port = agent.ingressAddress()!.port;
  const pairing = agent.device!.pairingInfo()!;
  return { agent, domain, url: `http://${domain}:${port}/`, ingressPort: port, pairingCode: pairing.code, pairingUrl: pairing.url, catalog, dataDir };
}

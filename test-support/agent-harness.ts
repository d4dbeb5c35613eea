// Builds a real Agent (in this process) against the test podman, with its own data folder, a unix-socket API
// and loopback listeners on free ports, and tears everything down after the test.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Agent } from '../agent/src/agent.js';
import { parseConfig, type AgentConfig } from '../agent/src/config.js';
import { HearthClient } from '../agent/src/client/index.js';
import { nodeTransport } from '../agent/src/client/node-transport.js';
import { newScope, removeScope, requireEngine } from './engine.js';

export const TEST_DOMAIN = 'hearth.test';

export interface Harness {
  agent: Agent;
  client: HearthClient;
  dataDir: string;
  config: AgentConfig;
  /** GET through the ingress with the app's Host header. */
  fetchApp(host: string, path?: string): Promise<{ status: number; text: string }>;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export async function startAgent(t: Teardown, overrides: Partial<AgentConfig> = {}, dataDir?: string): Promise<Harness> {
  const socket = requireEngine();
  const scope = newScope('test');
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'hearth-agent-'));
  const config = parseConfig({
    dataDir: dir,
    deviceDomain: TEST_DOMAIN,
    engine: { socketPath: socket, scope },
    api: { socketPath: join(dir, 'agent.sock'), tcp: { host: '127.0.0.1', port: 0 } },
    ingress: { host: '127.0.0.1', port: 0 },
    reconcileIntervalMs: 500,
    diskReserveMb: 1,
    stopTimeoutSeconds: 2,
    logLevel: 'warn',
    ...overrides,
  });
  const agent = new Agent(config, { logger: pino({ level: process.env.HEARTH_TEST_LOG ?? 'warn' }) });
  await agent.start();
  t.teardown(async () => {
    await agent.stop();
    removeScope(scope);
    if (!dataDir) rmSync(dir, { recursive: true, force: true });
  });
  const client = new HearthClient(nodeTransport({ socketPath: config.api.socketPath }));
  const ingress = agent.ingressAddress();
  if (!ingress) throw new Error('ingress did not start');
  return {
    agent,
    client,
    dataDir: dir,
    config,
    fetchApp: (host, path = '/') => httpGet(ingress.port, `${host}.${TEST_DOMAIN}`, path),
  };
}

/** A plain GET with a chosen Host header (fetch does not let a caller set Host). */
export function httpGet(port: number, host: string, path = '/', agent?: http.Agent): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host }, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
  });
}

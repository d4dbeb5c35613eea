// Runs the agent as a real child process (node + tsx, exactly as `npm run` would), so tests can SIGKILL it.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HearthClient } from '../agent/src/client/index.js';
import { nodeTransport } from '../agent/src/client/node-transport.js';

const ROOT = new URL('..', import.meta.url).pathname;

export interface AgentProcess {
  child: ChildProcess;
  client: HearthClient;
  log: () => string;
}

export async function spawnAgent(configPath: string, config: Record<string, unknown>): Promise<AgentProcess> {
  writeFileSync(configPath, JSON.stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'agent/src/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, HEARTH_CONFIG: configPath, NOTIFY_SOCKET: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const api = config.api as { socketPath: string };
  const client = new HearthClient(nodeTransport({ socketPath: api.socketPath }));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`agent exited at start:\n${out}`);
    try {
      await client.health();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`agent did not answer within 30 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { child, client, log: () => out };
}

export async function killHard(p: AgentProcess): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGKILL');
  await exited;
}

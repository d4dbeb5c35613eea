// The agent benchmark's memory floor: bench/_stack-floor-app.ts (the decided libraries, loaded and idle, no agent
// logic) bundled like the agent and run with the device's node flags and malloc settings, its RSS read after the same
// 10 s settle as the agent's. What the agent holds above this is its own; what this holds is the stack's.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { bundleAgent } from '../scripts/bundle.mjs';
import { memorySplitMb, rssMb } from './_memory.js';

export async function measureStackFloor(o: { dir: string; engineSocket: string; nodeFlags: string[]; env: Record<string, string> }): Promise<{ rss: number; anon: number; file: number }> {
  const bundle = join(o.dir, 'stack-floor.mjs');
  await bundleAgent(fileURLToPath(new URL('./_stack-floor-app.ts', import.meta.url)), bundle);
  const env = { ...process.env, ...o.env, FLOOR_API_SOCKET: join(o.dir, 'floor.sock'), FLOOR_ENGINE_SOCKET: o.engineSocket };
  const child = spawn(process.execPath, [...o.nodeFlags, bundle], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await new Promise<void>((ready, fail) => {
      child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('ready')) ready(); });
      child.once('exit', (code) => fail(new Error(`the stack-floor program exited with ${code}:\n${stderr}`)));
      setTimeout(() => fail(new Error(`the stack-floor program was not ready within 60 s:\n${stderr}`)), 60_000).unref();
    });
    await sleep(10_000);
    return { rss: rssMb(child.pid!), ...memorySplitMb(child.pid!) };
  } finally {
    child.kill();
  }
}

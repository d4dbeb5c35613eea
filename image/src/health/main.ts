// Entry of /usr/lib/hearth/health-check.mjs (hearth-health.service). Exit 0: this boot is good.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { probeHealth, readAgentApiConfig, waitHealthy } from './check.js';

const configPath = process.env.HEARTH_CONFIG ?? '/etc/hearth/agent.json';
const agentBundle = process.env.HEARTH_AGENT_BUNDLE ?? '/usr/lib/hearth/agent.mjs';
const firmwareCli = process.env.HEARTH_FIRMWARE_CLI ?? '/usr/bin/hearth-firmware';
const deadlineMs = Number(process.env.HEARTH_HEALTH_DEADLINE_MS ?? 300_000);
const slot = /(?:^|\s)hearth\.slot=(\S+)/.exec(process.env.HEARTH_CMDLINE ?? (await readCmdline()))?.[1] ?? '?';

async function readCmdline(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile('/proc/cmdline', 'utf8').catch(() => '');
}

/** The boot is good: tell the boot loader (firmware-hooks: trial slot becomes primary, counters cleared). */
async function commitSlot(): Promise<number> {
  if (!existsSync(firmwareCli)) {
    console.log(`hearth-health: ${firmwareCli} not in this image: slot not committed`);
    return 0;
  }
  try {
    const { stdout } = await promisify(execFile)(firmwareCli, ['commit'], { timeout: 120_000 });
    console.log(`hearth-health: committed slot=${slot}: ${stdout.trim()}`);
    return 0;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    console.log(`hearth-health: FAILED to commit slot=${slot}: ${(e.stderr ?? '').trim() || e.message}`);
    return 1;
  }
}

async function main(): Promise<number> {
  if (!existsSync(agentBundle)) {
    // An image built before the agent existed: the boot is judged on reaching this point alone.
    console.log(`hearth-health: ok slot=${slot} (no agent in this image)`);
    return commitSlot();
  }
  const config = await readAgentApiConfig(configPath);
  const r = await waitHealthy({
    probe: () => probeHealth(config.api.socketPath, 5_000),
    now: () => Date.now(),
    sleep: (ms) => sleep(ms),
    deadlineMs,
    intervalMs: 1_000,
    settleMs: Number(process.env.HEARTH_HEALTH_SETTLE_MS ?? 15_000),
  });
  if (r.ok) {
    console.log(`hearth-health: ok slot=${slot} agent ${r.detail} after ${r.attempts} probe(s)`);
    return commitSlot();
  }
  console.log(`hearth-health: FAILED slot=${slot}: agent not healthy after ${r.attempts} probe(s): ${r.detail}`);
  return 1;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.log(`hearth-health: FAILED slot=${slot}: ${(err as Error).message}`);
  process.exit(1);
});

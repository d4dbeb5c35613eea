// Where the integration tests find the real daemons started by scripts/test-services.sh (./build.sh test).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { isolationTableName } from '../agent/src/firewall/isolation.js';

export const TEST_DIR = process.env.HEARTH_TEST_DIR ?? '/run/hearth-test';
export const PODMAN_SOCKET = `${TEST_DIR}/podman.sock`;
export const REGISTRY = process.env.HEARTH_TEST_REGISTRY ?? '127.0.0.1:5000';
export const BUSYBOX_IMAGE = 'localhost/hearth/busybox:latest';

/** Fails loudly (never skips) when the daemons are not up: a missing engine is a broken setup, not a pass. */
export function requireEngine(): string {
  if (!existsSync(PODMAN_SOCKET)) {
    throw new Error(`podman's API socket ${PODMAN_SOCKET} is missing: run ./build.sh services up (./build.sh test does it)`);
  }
  return PODMAN_SOCKET;
}

/**
 * conmon processes podman keeps for finished API exec sessions (the agent's health checks) of these containers: they
 * wait out containers.conf's exit_command_delay. A container's own conmon has no --exec-attach.
 */
export function execConmonPids(containerIds: readonly string[]): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('/conmon') && args.includes('--exec-attach') && containerIds.includes(args[args.indexOf('-c') + 1] ?? '')) pids.push(Number(pid));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Removes every container and network an agent scope created (test cleanup; the agent may be dead by then). */
export function removeScope(scope: string): void {
  const ids = (args: string[]) => execFileSync('podman', args, { encoding: 'utf8' }).split('\n').filter(Boolean);
  // The agent's app-isolation table for this scope (agent/src/firewall) goes first: podman hands a freed subnet to
  // the next network created, often another test's at once, and this table's drop rules for it would follow it there.
  try {
    execFileSync('nft', ['delete', 'table', 'inet', isolationTableName(scope)], { stdio: 'ignore' });
  } catch {
    // not there (the agent never had an app network)
  }
  const containers = ids(['ps', '-a', '--filter', `label=io.hearth.scope=${scope}`, '--format', '{{.ID}}']);
  if (containers.length) execFileSync('podman', ['rm', '-f', '-t', '0', ...containers], { stdio: 'ignore' });
  const networks = ids(['network', 'ls', '--filter', `label=io.hearth.scope=${scope}`, '--format', '{{.Name}}']);
  if (networks.length) execFileSync('podman', ['network', 'rm', '-f', ...networks], { stdio: 'ignore' });
}

export function newScope(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

export function containersOf(id: string): Array<{ id: string; name: string; state: string; hash: string }> {
  const out = execFileSync('podman', ['ps', '-a', '--filter', `label=io.hearth.app=${id}`, '--format', 'json'], { encoding: 'utf8' });
  const list = JSON.parse(out || '[]') as Array<{ Id: string; Names: string[]; State: string; Labels: Record<string, string> }>;
  return list.map((c) => ({ id: c.Id, name: c.Names[0] ?? '', state: c.State, hash: c.Labels['io.hearth.hash'] ?? '' }));
}

// Health checks run as execs through the engine API. podman keeps a finished exec session (and its conmon
// processes) for exit_command_delay before reaping it; the device's containers.conf (installed on test hosts by
// scripts/test-services.sh) shortens that, since the agent reads the exit code as soon as the command ends.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { DockerEngine } from '../../src/engine/docker-engine.js';
import { LABEL } from '../../src/engine/labels.js';
import { BUSYBOX_IMAGE, execConmonPids, newScope, removeScope, requireEngine } from '../../../test-support/engine.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const execConmons = (containerId: string): number => execConmonPids([containerId]).length;

t.test('exec results, and finished exec sessions do not linger', async (t) => {
  const scope = newScope('exec');
  t.teardown(() => removeScope(scope));
  const id = execFileSync('podman', ['run', '-d', '--label', `${LABEL.scope}=${scope}`, BUSYBOX_IMAGE, 'sleep', '600'], { encoding: 'utf8' }).trim();
  const engine = new DockerEngine(requireEngine(), scope);

  t.same(await engine.exec(id, ['true'], 5000), { exitCode: 0, output: '' });
  const failed = await engine.exec(id, ['sh', '-c', 'echo not ready; exit 3'], 5000);
  t.equal(failed.exitCode, 3, 'exit code read after the command ended');
  t.match(failed.output, /not ready/);
  const slow = await engine.exec(id, ['sleep', '5'], 300);
  t.equal(slow.exitCode, -1);
  t.match(slow.output, /timed out after 300 ms/);
  t.ok(execConmons(id) > 0, 'the finished sessions are visible (the check below can fail)');

  // exit_command_delay = 10 s (Docker's default, 300 s, would keep them for 5 minutes)
  const started = Date.now();
  while (execConmons(id) > 0 && Date.now() - started < 40_000) await sleep(500);
  // A podman service started before scripts/test-services.sh installed the drop-in keeps the 300 s default
  // (`./build.sh services down` then `up`).
  t.equal(execConmons(id), 0, `exec sessions reaped (waited ${Math.round((Date.now() - started) / 1000)} s)`);
});

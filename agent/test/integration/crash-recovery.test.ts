// The agent is SIGKILLed in the middle of an update; on restart it converges with no duplicate containers,
// and a restarted agent adopts running containers without restarting them.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killHard, spawnAgent, type AgentProcess } from '../../../test-support/agent-process.js';
import { containersOf, newScope, removeScope, requireEngine } from '../../../test-support/engine.js';
import { uniqueId, webApp } from '../../../test-support/compose.js';

t.test('SIGKILL mid-update, then restart: converges, no duplicates, no needless restarts', async (t) => {
  const id = uniqueId('kill');
  const dir = mkdtempSync(join(tmpdir(), 'hearth-kill-'));
  const scope = newScope('kill');
  const config = {
    dataDir: dir,
    deviceDomain: 'hearth.test',
    engine: { socketPath: requireEngine(), scope },
    api: { socketPath: join(dir, 'agent.sock') },
    ingress: { host: '127.0.0.1', port: 0 },
    reconcileIntervalMs: 500,
    diskReserveMb: 1,
    stopTimeoutSeconds: 2,
    logLevel: 'warn',
  };
  let agent: AgentProcess | undefined;
  t.teardown(async () => {
    if (agent) await killHard(agent);
    removeScope(scope);
    rmSync(dir, { recursive: true, force: true });
  });

  agent = await spawnAgent(join(dir, 'agent.json'), config);
  const v1 = await agent.client.install({ compose: webApp({ id, version: '1.0.0' }) }, () => undefined);
  t.ok(v1.ok, 'v1 installed');

  // v2 starts slowly, so there is a window with the old and the new container side by side.
  await agent.client.install({ compose: webApp({ id, version: '2.0.0', before: 'sleep 4', startPeriod: '20s', page: 'two', overwrite: true }) });
  const deadline = Date.now() + 30_000;
  while (containersOf(id).length < 2) {
    if (Date.now() > deadline) throw new Error('the new container never appeared');
    await new Promise((r) => setTimeout(r, 50));
  }
  await killHard(agent);
  t.equal(containersOf(id).length, 2, 'killed with old and new containers side by side');

  agent = await spawnAgent(join(dir, 'agent.json'), config);
  const until = Date.now() + 60_000;
  for (;;) {
    const s = await agent.client.app(id);
    if (s.version === '2.0.0' && s.phase === 'running' && containersOf(id).length === 1) break;
    if (Date.now() > until) throw new Error(`did not converge: ${JSON.stringify(s)}\n${agent.log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const after = containersOf(id);
  t.equal(after.length, 1, 'exactly one container for the service');
  t.equal(new Set(after.map((c) => c.name)).size, after.length, 'no duplicate names');
  t.equal(after[0]?.state, 'running');

  // Adoption: a restarted agent leaves healthy containers alone.
  const startedBefore = execFileSync('podman', ['inspect', '-f', '{{.State.StartedAt}}', after[0]!.id], { encoding: 'utf8' });
  await killHard(agent);
  agent = await spawnAgent(join(dir, 'agent.json'), config);
  const healthyDeadline = Date.now() + 30_000;
  while ((await agent.client.app(id)).phase !== 'running') {
    if (Date.now() > healthyDeadline) throw new Error('adopted app never reported running');
    await new Promise((r) => setTimeout(r, 100));
  }
  const startedAfter = execFileSync('podman', ['inspect', '-f', '{{.State.StartedAt}}', after[0]!.id], { encoding: 'utf8' });
  t.equal(startedAfter, startedBefore, 'the container was adopted, not restarted');
  t.same(containersOf(id).map((c) => c.id), [after[0]!.id], 'same container');
});

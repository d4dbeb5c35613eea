// permissions.lan, enforced: a "LAN host" in its own network namespace (a 10.x address, as a home router or a cloud
// VPC would have) serves HTTP; an app installed WITH the LAN permission can connect to it, one without cannot.
// Real podman, real nft.
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startAgent } from '../../../test-support/agent-harness.js';
import { uniqueId, webApp } from '../../../test-support/compose.js';
import { containersOf } from '../../../test-support/engine.js';
import { createTopology } from '../../../test-support/netns.js';

const run = promisify(execFile);

t.test('apps reach the LAN only with permissions.lan', async (t) => {
  const topo = await createTopology(['lan'] as const);
  t.teardown(() => topo.destroy());
  const lanHost = topo.hosts.lan.ip;
  const httpd = topo.spawn('lan', ['busybox', 'httpd', '-f', '-p', '8080', '-h', '/tmp']);
  t.teardown(() => void httpd.kill());
  await new Promise((r) => setTimeout(r, 300));

  const h = await startAgent(t);
  const withLan = uniqueId('lanok');
  const without = uniqueId('nolan');
  const permitted = webApp({ id: withLan }).replace(/^( {2}version: .*)$/m, '$1\n  permissions:\n    lan: true');
  t.match(permitted, /permissions:\n {4}lan: true/, 'fixture: the manifest asks for the LAN');
  for (const compose of [permitted, webApp({ id: without })]) {
    const r = await h.client.install({ compose }, () => undefined);
    t.ok(r.ok, 'installed');
  }
  await h.agent.reconciler.pass(); // the firewall follows the observed networks: make sure a pass has seen both

  // Asynchronous exec: the agent runs in this process and must keep serving while the probe waits.
  const connect = async (app: string) =>
    (await run('podman', ['exec', containersOf(app)[0]!.id, 'sh', '-c', `nc -w 3 ${lanHost} 8080 </dev/null >/dev/null 2>&1 && echo open || echo closed`])).stdout.trim();
  t.equal((await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${lanHost}:8080/`])).stdout, '404', 'the LAN host answers (control, from the host)');
  // Tests run side by side, each agent with its own scope and nftables table, and podman hands a freed subnet to the
  // next network at once: another scope's agent may still hold a "no LAN" rule for this app's subnet until its
  // next pass. So the permitted app gets three tries; the one without the permission gets one, and must fail it.
  // (A table left by a killed test or benchmark cuts it off for good: scripts/test-services.sh sweeps those.)
  let reached = 'closed';
  for (let i = 0; i < 3 && reached !== 'open'; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 2000));
    reached = await connect(withLan);
  }
  if (reached !== 'open') {
    const tables = (await run('nft', ['list', 'tables', 'inet'])).stdout.split('\n').filter((l) => l.includes(' hearth_'));
    t.comment(`app-isolation tables at the failure (another scope's "no LAN" rule may name this app's subnet):\n${tables.join('\n')}`);
  }
  t.equal(reached, 'open', 'an app with permissions.lan reaches the LAN host');
  t.equal(await connect(without), 'closed', 'an app without it does not');
});

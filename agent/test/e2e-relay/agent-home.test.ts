// The whole agent at "home", end to end across network namespaces: the real daemon (agent/src/main.ts, with its
// relay and tls config) runs in the "home" namespace, installs a podman app through its own API, dials the relay in
// "cloud", gets its certificate from Pebble through the relay, and the "phone" (which cannot reach home) fetches
// the app over HTTPS through the relay, while tcpdump on the relay's interface proves the page's marker never
// crosses it in clear. relay-tls.test.ts covers link cuts and both ACME challenges with the device-side modules.
//
// Topology: host ns .1 Pebble + podman (the app's network is a podman bridge here; home routes to it via .1),
// "home" .2 the agent, "cloud" .3 the relay, "phone" .4 curl.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HearthClient } from '../../src/client/index.js';
import { nodeTransport } from '../../src/client/node-transport.js';
import { webApp } from '../../../test-support/compose.js';
import { newScope, removeScope, requireEngine } from '../../../test-support/engine.js';
import { createTopology } from '../../../test-support/netns.js';
import { startCloud, stopChild, waitFor } from './support.js';

const AGENT_MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const ZONE = 'relay.test';

t.test('the agent in "home" serves its podman app through the relay; the relay never sees the page', { timeout: 300_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-e2e-agent-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const topo = await createTopology(['home', 'cloud', 'phone'] as const);
  t.teardown(() => topo.destroy());
  const { home, cloud } = topo.hosts;
  await topo.exec('phone', ['iptables', '-A', 'OUTPUT', '-d', home.ip, '-j', 'DROP']);
  // App networks are podman bridges in the host namespace (10.89.0.0/16 by default): home reaches them through .1.
  await topo.exec('home', ['ip', 'route', 'add', '10.89.0.0/16', 'via', topo.hostIp]);

  // Pebble in the host namespace (validating through the relay), the relay in cloud, tcpdump on its interface.
  const { pebble, pebbleCa, relayDir, pcap, tcpdump } = await startCloud(t, topo, 'cloud', dir, ZONE);

  // The agent daemon, as systemd would start it, but in the home namespace.
  const scope = newScope('home');
  t.teardown(() => removeScope(scope));
  const dataDir = join(dir, 'agent-data');
  const apiSocket = join(dir, 'agent.sock');
  await writeFile(join(dir, 'agent.json'), JSON.stringify({
    dataDir,
    engine: { socketPath: requireEngine(), scope },
    api: { socketPath: apiSocket },
    ingress: { host: '127.0.0.1', port: 0 },
    pairing: { secretFile: join(dir, 'none'), resetMarker: join(dir, 'none-reset') },
    relay: { urls: [`tls://${cloud.ip}:9443`], zone: ZONE, caFile: join(relayDir, 'tunnel.crt') },
    tls: { acmeDirectoryUrl: pebble.directoryUrl, acmeCaFile: pebbleCa, localPort: 0 },
    reconcileIntervalMs: 1000,
    diskReserveMb: 1,
    logLevel: 'warn',
  }));
  let agentLog = '';
  const agent = topo.spawn('home', [process.execPath, '--import', 'tsx', AGENT_MAIN], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HEARTH_CONFIG: join(dir, 'agent.json'), HEARTH_BOOT_CONFIG: join(dir, 'no-boot-config.json') },
  });
  agent.stdout?.on('data', (c: Buffer) => (agentLog = (agentLog + c.toString()).slice(-4000)));
  agent.stderr?.on('data', (c: Buffer) => (agentLog = (agentLog + c.toString()).slice(-4000)));
  t.teardown(() => stopChild(agent));
  const detail = (): string => `agent log tail:\n${agentLog}\npebble log tail:\n${pebble.logs().slice(-1500)}`;

  // Its local API is a unix socket, reachable from this (host) namespace through the file system.
  const client = new HearthClient(nodeTransport({ socketPath: apiSocket }));
  const health = await waitFor('the agent API', () => client.health(), 60_000, detail);
  const domain = health.deviceDomain;
  t.match(domain, new RegExp(`^[a-z2-7]{26}\\.${ZONE.replace('.', '\\.')}$`), 'named <device id>.<zone> by its relay config');

  const marker = `HEARTH-SECRET-${randomBytes(16).toString('hex')}`;
  const installed = await client.install({ compose: webApp({ id: 'blog', page: marker }) }, () => undefined);
  t.ok(installed.ok, installed.ok ? 'blog installed on podman by the agent' : `install failed: ${installed.message}`);

  const root = join(dir, 'pebble-root.pem');
  await writeFile(root, await pebble.rootCaPem());
  const host = `blog.${domain}`;
  const page = await waitFor('the app over HTTPS through the relay', async () => {
    const r = await topo.exec('phone', ['curl', '-sS', '--fail', '--max-time', '10', '--resolve', `${host}:443:${cloud.ip}`, '--cacert', root, `https://${host}/`]);
    return r.stdout.includes(marker) ? r.stdout : undefined;
  }, 120_000, detail);
  t.match(page, marker, 'phone → relay → tunnel → the agent\'s TLS → ingress → podman app');
  await t.rejects(topo.exec('phone', ['curl', '-sS', '--max-time', '3', '-k', `https://${home.ip}/`]), 'the phone cannot reach home directly');

  const control = `HEARTH-CONTROL-${randomBytes(8).toString('hex')}`;
  await topo.exec('phone', ['curl', '-sS', '-o', '/dev/null', '--max-time', '5', '-H', `Host: ${host}`, `http://${cloud.ip}/${control}`]);
  await waitFor('the control string in the capture', async () => (await readFile(pcap)).includes(Buffer.from(control)) || undefined, 20_000).catch(() => undefined);
  await stopChild(tcpdump, 'SIGINT');
  const wire = await readFile(pcap);
  t.ok(wire.includes(Buffer.from(control)), 'the capture records payload bytes (plain-HTTP control string seen)');
  t.ok(wire.includes(Buffer.from(host)), 'the capture contains the phone connections (SNI in clear)');
  t.notOk(wire.includes(Buffer.from(marker.slice(0, 24))), 'the app marker never crosses the relay in clear');
});

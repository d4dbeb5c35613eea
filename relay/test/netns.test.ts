// Network faults between real network namespaces: the device runs in "home", the relay in "cloud", joined by a
// bridge. The home link is cut (ip link set down) ten times; each time, after the link comes back, the app must be
// reachable through the relay again within 5 s (a functional requirement, polled with a deadline).
import t from 'tap';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ed25519 } from '@noble/curves/ed25519.js';
import { deviceIdFromPublicKey } from '../../agent/src/tunnel/device-id.js';
import { makeCert, run, tempDir, waitFor, ZONE } from './fixtures.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const DEVICE = fileURLToPath(new URL('./device-proc.ts', import.meta.url));
t.setTimeout(300_000);

const sh = (cmd: string): Promise<unknown> => run('sh', ['-c', cmd]);

t.test('cut the home link 10 times: tunnel back and app reachable within 5 s each time', { timeout: 300_000 }, async (t) => {
  const dir = await tempDir(t);
  const tag = randomBytes(3).toString('hex');
  const [br, home, cloud, vh, vc] = [`hb${tag}`, `hh${tag}`, `hc${tag}`, `vh${tag}`, `vc${tag}`];
  const net = `10.${200 + (parseInt(tag.slice(0, 2), 16) % 50)}.${parseInt(tag.slice(2, 4), 16)}`;
  const homeIp = `${net}.2`;
  const cloudIp = `${net}.3`;
  t.teardown(() => sh(`ip netns del ${home}; ip netns del ${cloud}; ip link del ${br}; ip link del ${vh}; ip link del ${vc}; true`));
  await sh([
    `ip link add ${br} type bridge`, `ip link set ${br} up`,
    `ip netns add ${home}`, `ip netns add ${cloud}`, `ip -n ${home} link set lo up`, `ip -n ${cloud} link set lo up`,
    `ip link add ${vh} type veth peer name eth0 netns ${home}`, `ip link set ${vh} master ${br} up`,
    `ip link add ${vc} type veth peer name eth0 netns ${cloud}`, `ip link set ${vc} master ${br} up`,
    `ip -n ${home} addr add ${homeIp}/24 dev eth0`, `ip -n ${home} link set eth0 up`,
    `ip -n ${cloud} addr add ${cloudIp}/24 dev eth0`, `ip -n ${cloud} link set eth0 up`,
  ].join(' && '));

  const tunnelCert = await makeCert(dir, 'tunnel', ['localhost'], [cloudIp]);
  const configPath = join(dir, 'relay.yaml');
  await writeFile(configPath, [
    `relayName: ${cloudIp}`, `zone: ${ZONE}`, 'listen: { host: 0.0.0.0, https: 8443, http: 8080, tunnel: 9443 }',
    `tunnelTls: { cert: ${tunnelCert.cert}, key: ${tunnelCert.key} }`,
    'limits: { keepaliveIntervalMs: 1000, keepaliveTimeoutMs: 2000, loginsPerDevice: { capacity: 100, refillPerSecond: 10 } }',
  ].join('\n'));
  const relay = spawn('ip', ['netns', 'exec', cloud, process.execPath, '--import', 'tsx', MAIN, '--config', configPath, '--log-level', 'warn'], { stdio: 'inherit' });
  t.teardown(() => relay.kill());

  const seed = randomBytes(32);
  const deviceId = deviceIdFromPublicKey(ed25519.getPublicKey(seed));
  const name = `app.${deviceId}.${ZONE}`;
  const deviceCert = await makeCert(dir, 'device', [`*.${deviceId}.${ZONE}`]);
  const deviceConfig = join(dir, 'device.json');
  await writeFile(deviceConfig, JSON.stringify({ relays: [`tls://${cloudIp}:9443`], caPath: tunnelCert.cert, certPath: deviceCert.cert, keyPath: deviceCert.key, seedHex: seed.toString('hex') }));
  const device = spawn('ip', ['netns', 'exec', home, process.execPath, '--import', 'tsx', DEVICE, deviceConfig], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => device.kill());
  const events: Array<{ event: string }> = [];
  createInterface({ input: device.stdout! }).on('line', (line) => events.push(JSON.parse(line) as { event: string }));

  const reachable = async (): Promise<boolean> => {
    try {
      const { stdout } = await run('ip', ['netns', 'exec', cloud, 'curl', '-sS', '--max-time', '1', '--resolve', `${name}:8443:127.0.0.1`, '--cacert', deviceCert.cert, `https://${name}:8443/ping`]);
      return stdout === `device ${deviceId} /ping\n`;
    } catch {
      return false;
    }
  };
  await waitFor('first tunnel', reachable, 30_000, 100);

  const recoveries: number[] = [];
  for (let cut = 0; cut < 10; cut++) {
    await sh(`ip link set ${vh} down`);
    await waitFor('unreachable while cut', async () => !(await reachable()), 10_000, 100);
    // Hold the cut past the keepalive timeout on odd rounds so both "TCP survives" and "tunnel rebuilt" happen.
    await new Promise((r) => setTimeout(r, cut % 2 === 1 ? 3000 : 500));
    await sh(`ip link set ${vh} up`);
    if (process.env.RELAY_TEST_LOG) process.stderr.write(`LINK UP ${Date.now()}\n`);
    recoveries.push(await waitFor(`reachable after cut ${cut + 1}`, reachable, 5000, 100));
  }
  t.equal(recoveries.length, 10, `recovered every time (ms after link up: ${recoveries.join(', ')})`);
  t.ok(events.filter((e) => e.event === 'up').length > 1, `tunnel was rebuilt at least once (${events.filter((e) => e.event === 'up').length} ups)`);
});

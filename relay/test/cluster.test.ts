// Scale-out simulation: one real redis-server, two relay processes (hearth-relay CLI) sharing it. The device is
// tunnelled to relay B; curl connects to relay A, which finds B in the shared route map and forwards the stream.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';
import tls from 'node:tls';
import { encodeFrame } from '../../agent/src/tunnel/frames.js';
import { RedisRouteStore } from '../src/store/redis.js';
import { curlHttps, freePort, makeCert, run, startDevice, tempDir, waitFor, ZONE } from './fixtures.js';

type TestLike = { teardown(fn: () => unknown): void };

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

async function startRedis(t: TestLike): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    try {
      // The port can be taken between freePort() and the bind: then our server exits and another test's answers.
      // Its INFO names its process, so only ours is accepted (a server that could not bind is retried on a new port).
      await waitFor('redis', async () => {
        const info = (await run('redis-cli', ['-p', String(port), 'info', 'server'])).stdout;
        return new RegExp(`^process_id:${child.pid}\\s*$`, 'm').test(info);
      }, 5000);
      t.teardown(() => child.kill());
      return `redis://127.0.0.1:${port}`;
    } catch {
      child.kill();
    }
  }
  throw new Error('could not start redis-server');
}

interface RelayProcess {
  child: ChildProcess;
  ports: { https: number; http: number; tunnel: number; forward: number };
}

async function startRelayProcess(t: TestLike, dir: string, nodeId: string, redisUrl: string, cert: { cert: string; key: string }, secret: string): Promise<RelayProcess> {
  const configPath = join(dir, `relay-${nodeId}.yaml`);
  await writeFile(configPath, [
    'relayName: 127.0.0.1', `zone: ${ZONE}`,
    'listen: { host: 127.0.0.1, https: 0, http: 0, tunnel: 0 }',
    `tunnelTls: { cert: ${cert.cert}, key: ${cert.key} }`,
    'limits: { keepaliveIntervalMs: 1000, keepaliveTimeoutMs: 2000 }',
    `cluster: { nodeId: ${nodeId}, redisUrl: "${redisUrl}", forwardListen: { host: 127.0.0.1, port: 0 }, secret: ${secret}, routeTtlMs: 3000 }`,
  ].join('\n'));
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--config', configPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill());
  const ports = await new Promise<RelayProcess['ports']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay ${nodeId} did not start`)), 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; https?: number; http?: number; tunnel?: number; forward?: number };
      if (entry.msg === 'relay listening') {
        clearTimeout(timer);
        resolve(entry as RelayProcess['ports']);
      }
    });
    child.once('exit', (code) => reject(new Error(`relay ${nodeId} exited with ${code}`)));
  });
  return { child, ports };
}

t.test('redis route store: claims, takeover by the same device, release by owner only, expiry', async (t) => {
  const store = await RedisRouteStore.connect(await startRedis(t), `test:${randomBytes(4).toString('hex')}:`);
  t.teardown(() => store.close());
  t.same(await store.claim('a.zone', { deviceId: 'd1', nodeId: 'n1' }, 10_000), { ok: true });
  t.same(await store.claim('a.zone', { deviceId: 'd2', nodeId: 'n2' }, 10_000), { ok: false, holder: { deviceId: 'd1', nodeId: 'n1' } });
  t.same(await store.claim('a.zone', { deviceId: 'd1', nodeId: 'n2' }, 10_000), { ok: true }, 'same device moves node');
  await store.release('a.zone', { deviceId: 'd1', nodeId: 'n1' });
  t.same(await store.lookup('a.zone'), { deviceId: 'd1', nodeId: 'n2' }, 'stale node cannot release');
  await store.release('a.zone', { deviceId: 'd1', nodeId: 'n2' });
  t.equal(await store.lookup('a.zone'), null);
  await store.claim('b.zone', { deviceId: 'd1', nodeId: 'n1' }, 200);
  await new Promise((r) => setTimeout(r, 400));
  t.equal(await store.lookup('b.zone'), null, 'expired');
  await store.setNode('n1', '10.0.0.1:7000', 10_000);
  t.equal(await store.getNode('n1'), '10.0.0.1:7000');
});

t.test('two relay processes share redis: client hits A, device is on B, bytes arrive', async (t) => {
  const dir = await tempDir(t);
  const redisUrl = await startRedis(t);
  const cert = await makeCert(dir, 'tunnel', ['localhost'], ['127.0.0.1']);
  const secret = randomBytes(24).toString('hex');
  const a = await startRelayProcess(t, dir, 'node-a', redisUrl, cert, secret);
  const b = await startRelayProcess(t, dir, 'node-b', redisUrl, cert, secret);
  const device = await startDevice(t, dir, { relays: [`tls://127.0.0.1:${b.ports.tunnel}`], ca: cert.certPem });
  await waitFor('tunnel to B', () => device.client.status()[0]!.connected);
  const name = `app.${device.deviceId}.${ZONE}`;
  await waitFor('a spare data connection to B', () => (device.client.status()[0]!.data?.spares ?? 0) >= 1);
  t.equal(await curlHttps(name, a.ports.https, device.cert.cert, '/via-a'), `hello from ${device.deviceId} as ${name} path /via-a\n`);
  t.equal(device.client.status()[0]!.data?.used, 1, 'A read the ClientHello, so B may hand the forwarded client a data connection');
  t.equal(await curlHttps(name, b.ports.https, device.cert.cert, '/via-b'), `hello from ${device.deviceId} as ${name} path /via-b\n`);
  const acme = await run('curl', ['-sS', '--fail', '-H', `Host: ${device.deviceId}.${ZONE}`, `http://127.0.0.1:${a.ports.http}/.well-known/acme-challenge/t1`]);
  t.match(acme.stdout, '/.well-known/acme-challenge/t1', 'port 80 passthrough forwarded too');
  // The forward port serves only holders of the cluster secret: with it, a TLS handshake through the hop reaches
  // the device; without it, the hop is closed.
  const hop = (s: string): Promise<boolean> => new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port: b.ports.forward }, () => {
      sock.write(encodeFrame({ secret: s, kind: 'tls', serverName: name, remoteAddress: '192.0.2.1' }));
      const secure = tls.connect({ socket: sock, servername: name, ca: device.cert.certPem }, () => {
        secure.destroy();
        resolve(true);
      });
      secure.on('error', () => resolve(false));
    });
    sock.on('error', () => resolve(false));
  });
  t.equal(await hop('wrong-secret-wrong-secret'), false, 'wrong secret: refused');
  t.equal(await hop(secret), true, 'right secret: reaches the device');
  // B stops: its routes are released, A no longer routes the name.
  b.child.kill('SIGTERM');
  await new Promise((r) => b.child.once('exit', r));
  await waitFor('route released', async () => {
    try {
      await curlHttps(name, a.ports.https, device.cert.cert);
      return false;
    } catch {
      return true;
    }
  }, 10_000);
  t.pass('A refuses the name once B is gone');
});

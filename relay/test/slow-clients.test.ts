// Slow and silent clients on the public ports cannot lock others out: with every client slot taken by connections
// that never send a ClientHello, a newcomer is refused only while they are fresh, then takes the oldest one's place;
// and a client that gets the relay's own last answer (a 400 on port 80) but never closes its side is let go after the
// hello timeout, not the 10 min idle timeout. The tunnel port does the same for connections that never log in.
import t from 'tap';
import { connect, type Socket } from 'node:net';
import { curlHttps, startDevice, startRelay, tempDir, waitFor, ZONE } from './fixtures.js';

function silentConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

/** `n` connections to `port` that never send a byte; `closedOnes` lists, in order, which of them the relay closed. */
async function silentConnections(t: { teardown(fn: () => unknown): void }, port: number, n: number): Promise<{ closedOnes: number[] }> {
  const silent: Socket[] = [];
  const closedOnes: number[] = [];
  t.teardown(() => silent.forEach((s) => s.destroy()));
  for (let i = 0; i < n; i++) {
    const s = await silentConnection(port);
    s.on('close', () => closedOnes.push(i));
    silent.push(s);
  }
  return { closedOnes };
}

t.test('full public ports: a newcomer takes the place of the oldest silent connection after 1 s, not before', async (t) => {
  const dir = await tempDir(t);
  let now = Date.now();
  const clock = { now: () => now };
  const { relay, ports, tunnelCert } = await startRelay(t, dir, {
    limits: { maxClientConnections: 20, clientHelloTimeoutMs: 120_000 } as never,
    // Without the device's spare data connections, which would take silent ones' places too (they are newcomers on the
    // public port until their hello is read), and with the listener's own cap then at maxClientConnections + room.
    dataConnections: { enabled: false },
  }, { clock });
  const device = await startDevice(t, dir, { relays: [`tls://127.0.0.1:${ports.tunnel}`], ca: tunnelCert.certPem, body: () => 'ok\n' });
  await waitFor('tunnel up', () => device.client.status()[0]!.connected);
  const name = `app.${device.deviceId}.${ZONE}`;
  t.equal(await curlHttps(name, ports.https, device.cert.cert), 'ok\n', 'served before the flood');

  const { closedOnes } = await silentConnections(t, ports.https, 20);
  await waitFor('the relay counts 20 silent clients', () => relay.clientConnections === 20);

  await t.rejects(curlHttps(name, ports.https, device.cert.cert), 'refused while the silent connections are fresh');
  t.same(closedOnes, [], 'no silent connection was closed for it');

  now += 1000;
  t.equal(await curlHttps(name, ports.https, device.cert.cert), 'ok\n', 'served once they have waited 1 s');
  await waitFor('one silent connection closed', () => closedOnes.length >= 1);
  t.same(closedOnes, [0], 'exactly one silent connection made room: the oldest');
});

t.test('port 80: a client that never closes its side after a 400 is cut off after the hello timeout', async (t) => {
  const dir = await tempDir(t);
  const { relay, ports } = await startRelay(t, dir, { limits: { clientHelloTimeoutMs: 500 } as never });
  const s = connect({ host: '127.0.0.1', port: ports.http!, allowHalfOpen: true });
  t.teardown(() => s.destroy());
  let answer = '';
  s.on('data', (d: Buffer) => (answer += d.toString('latin1')));
  s.on('error', () => undefined);
  await new Promise<void>((r) => s.once('connect', () => r()));
  s.write('NOT HTTP\r\n\r\n'); // and never end
  await waitFor('the 400', () => answer.length > 0);
  t.match(answer, /^HTTP\/1\.1 400 /, 'answered 400');
  t.equal(relay.clientConnections, 1, 'the relay holds the half-open connection');
  // The relay's side closes; the client, half-open, learns of it only when it writes again.
  const ms = await waitFor('the relay to let the connection go', () => relay.clientConnections === 0, 10_000);
  t.pass(`let go ${ms} ms after the answer (hello timeout 500 ms, idle timeout 10 min)`);
});

t.test('tunnel port full of silent connections: a device logs in once they have waited 1 s, not before', async (t) => {
  const dir = await tempDir(t);
  let now = Date.now();
  const clock = { now: () => now };
  const { relay, ports, tunnelCert } = await startRelay(t, dir, { limits: { maxPendingLogins: 5, loginTimeoutMs: 120_000 } as never }, { clock });
  const { closedOnes } = await silentConnections(t, ports.tunnel, 5);
  await waitFor('the relay counts 5 connections logging in', () => relay.pendingLogins === 5);

  const device = await startDevice(t, dir, { relays: [`tls://127.0.0.1:${ports.tunnel}`], ca: tunnelCert.certPem, body: () => 'ok\n' });
  await new Promise((r) => setTimeout(r, 1500)); // the device tries (fixtures: back-off 100 ms to 1 s) and is refused
  t.notOk(device.client.status()[0]!.connected, 'no login while the silent connections are fresh');
  t.same(closedOnes, [], 'no silent connection was closed for it');

  now += 1000;
  await waitFor('tunnel up', () => device.client.status()[0]!.connected);
  t.equal(await curlHttps(`app.${device.deviceId}.${ZONE}`, ports.https, device.cert.cert), 'ok\n', 'the device serves through the relay');
  await waitFor('one silent connection closed', () => closedOnes.length >= 1);
  t.same(closedOnes, [0], 'exactly one silent connection made room: the oldest');
  t.equal(relay.pendingLogins, 4, 'the logged-in device no longer counts as logging in');
});

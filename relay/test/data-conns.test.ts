// Data connections end to end on loopback (relay/src/data-conns.ts, agent/src/tunnel/data-conns.ts): TLS clients are
// carried on the device's spare TCP connections, everything else (port 80, clients beyond the spares, relays or
// networks without data connections) still goes through the tunnel, and hostile hellos close only themselves.
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { pino } from 'pino';
import { deriveDataKeys, encodeDataHello, openMeta } from '../../agent/src/tunnel/data-conn-protocol.js';
import { DataConnHub } from '../src/data-conns.js';
import { curlHttps, freePort, run, startDevice, startRelay, tempDir, waitFor, ZONE } from './fixtures.js';

const BIG = randomBytes(8 * 1024 * 1024);
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

t.test('TLS clients ride spare data connections; port 80 and clients beyond the spares use the tunnel', async (t) => {
  const dir = await tempDir(t);
  const { relay, ports, tunnelCert } = await startRelay(t, dir);
  const device = await startDevice(t, dir, {
    relays: [`tls://127.0.0.1:${ports.tunnel}`], ca: tunnelCert.certPem, body: (name) => (name.startsWith('big.') ? BIG : `hi ${name}\n`),
    // Long enough that the eight clients below arrive while the device still keeps four spares, even on a machine
    // slow to start eight curls; the device drops back to one once it has passed.
    dataSpares: { busyMs: 6000 },
  });
  await waitFor('one spare while idle', () => device.client.status()[0]!.data?.spares === 1);
  await waitFor('the relay has read its hello', () => relay.clientConnections === 0);
  await new Promise((r) => setTimeout(r, 200));
  t.equal(device.client.status()[0]!.data?.spares, 1, 'an idle device keeps one spare');
  const name = `app.${device.deviceId}.${ZONE}`;
  t.equal(await curlHttps(name, ports.https, device.cert.cert), `hi ${name}\n`);
  t.equal(device.client.status()[0]!.data?.used, 1, 'the first client came over a data connection');

  const { stdout } = await run('curl', ['-sS', '--fail', '-H', `Host: ${name}`, `http://127.0.0.1:${ports.http}/.well-known/acme-challenge/x`]);
  t.equal(stdout, `hi ${name}\n`);
  t.equal(device.client.status()[0]!.data?.used, 1, 'port 80 (plaintext) stays inside the tunnel');

  const big = `big.${device.deviceId}.${ZONE}`;
  const { stdout: hash } = await run('sh', ['-c', `curl -sS --fail --resolve ${big}:${ports.https}:127.0.0.1 --cacert ${device.cert.cert} https://${big}:${ports.https}/ | sha256sum`]);
  t.equal(hash.split(' ')[0], sha(BIG), '8 MiB arrive intact over a data connection');

  // A TLS-ALPN-01 validation (a CA's connection offering acme-tls/1) is kept inside the tunnel's TLS.
  const beforeAcme = device.client.status()[0]!.data!.used;
  const acme = await new Promise<string>((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port: ports.https, servername: name, ALPNProtocols: ['acme-tls/1'], ca: device.cert.certPem }, () => {
      s.destroy();
      resolve('handshake done');
    });
    s.once('error', (err) => resolve(err.message));
  });
  // The test device's HTTPS server does not speak acme-tls/1: its TLS alert shows the connection reached the device.
  t.match(acme, /no application protocol/);
  t.equal(device.client.status()[0]!.data!.used, beforeAcme, 'the ACME validation did not use a data connection');

  await waitFor('four spares while clients arrive', () => device.client.status()[0]!.data?.spares === 4);
  await waitFor('the relay has read their hellos', () => relay.clientConnections === 0);
  const used = device.client.status()[0]!.data!.used;
  const bodies = await Promise.all(Array.from({ length: 8 }, (_, i) => curlHttps(`c${i}.${device.deviceId}.${ZONE}`, ports.https, device.cert.cert)));
  t.same(bodies, Array.from({ length: 8 }, (_, i) => `hi c${i}.${device.deviceId}.${ZONE}\n`), '8 concurrent clients all served');
  const viaData = device.client.status()[0]!.data!.used - used;
  t.ok(viaData >= 4 && viaData <= 8, `${viaData} of 8 on data connections, the rest through the tunnel`);
  t.equal(relay.tunnels, 1);
  await waitFor('back to one spare once idle', () => device.client.status()[0]!.data?.spares === 1, 20_000);
});

t.test('a relay with data connections off: the tunnel carries every client', async (t) => {
  const dir = await tempDir(t);
  const { ports, tunnelCert } = await startRelay(t, dir, { dataConnections: { enabled: false } });
  const device = await startDevice(t, dir, { relays: [`tls://127.0.0.1:${ports.tunnel}`], ca: tunnelCert.certPem });
  await waitFor('tunnel up', () => device.client.status()[0]!.connected);
  const name = `app.${device.deviceId}.${ZONE}`;
  t.match(await curlHttps(name, ports.https, device.cert.cert), `as ${name}`);
  t.equal(device.client.status()[0]!.data, undefined, 'no data connections offered');
});

t.test('data port unreachable from the device: clients are still served through the tunnel', async (t) => {
  const dir = await tempDir(t);
  const closed = await freePort();
  const { ports, tunnelCert } = await startRelay(t, dir, { dataConnections: { enabled: true, advertisePort: closed } });
  const device = await startDevice(t, dir, { relays: [`tls://127.0.0.1:${ports.tunnel}`], ca: tunnelCert.certPem });
  await waitFor('tunnel up', () => device.client.status()[0]!.connected);
  const name = `app.${device.deviceId}.${ZONE}`;
  t.match(await curlHttps(name, ports.https, device.cert.cert), `as ${name}`);
  t.match(device.client.status()[0]!.data, { used: 0, spares: 0 });
});

t.test('spares do not count against the client cap of the public port', async (t) => {
  const dir = await tempDir(t);
  // The held connection below never sends a hello: a long hello timeout keeps it counted however slowly the next
  // curl starts. At most two spares: one replacement after the first client, not a burst the cap mostly refuses.
  const { relay, ports, tunnelCert } = await startRelay(t, dir, { limits: { maxClientConnections: 1, clientHelloTimeoutMs: 60_000 } as never });
  const device = await startDevice(t, dir, { relays: [`tls://127.0.0.1:${ports.tunnel}`], ca: tunnelCert.certPem, dataSpares: { min: 2, max: 2 } });
  await waitFor('two spares held on the public port', () => device.client.status()[0]!.data?.spares === 2);
  const name = `app.${device.deviceId}.${ZONE}`;
  t.match(await curlHttps(name, ports.https, device.cert.cert), `as ${name}`, 'the one client allowed gets in');
  t.equal(device.client.status()[0]!.data?.used, 1);
  await waitFor('spares back', () => (device.client.status()[0]!.data?.spares ?? 0) >= 2);
  // A replacement spare counts as a client until the relay has read its hello: wait for that, or the held
  // connection below could be the one over the cap and the curl after it let in.
  await waitFor('the relay has read every hello', () => relay.clientConnections === 0);
  const held = connect(ports.https, '127.0.0.1');
  t.teardown(() => held.destroy());
  await new Promise((r) => held.once('connect', r));
  await waitFor('the held connection counted', () => relay.clientConnections === 1);
  await t.rejects(curlHttps(name, ports.https, device.cert.cert), 'a second client at once is over the cap');
});

t.test('hostile data hellos on the public port close only that connection', async (t) => {
  const dir = await tempDir(t);
  const { ports, tunnelCert } = await startRelay(t, dir);
  const device = await startDevice(t, dir, { relays: [`tls://127.0.0.1:${ports.tunnel}`], ca: tunnelCert.certPem });
  await waitFor('a spare', () => device.client.status()[0]!.data?.spares === 1);
  const forged = encodeDataHello(randomBytes(16), 1, deriveDataKeys(randomBytes(32), randomBytes(16)));
  const attempts = [forged, Buffer.concat([forged, Buffer.from('more')]), Buffer.from('HRD1'), Buffer.from('HRD1garbage-garbage-garbage-garbage-garbage')];
  for (const bytes of attempts) {
    const closedAfter = await new Promise<string>((resolve) => {
      const s = connect(ports.https, '127.0.0.1', () => s.write(bytes));
      let got = 0;
      s.on('data', (d) => (got += d.length));
      s.on('error', () => undefined);
      s.on('close', () => resolve(`closed, ${got} bytes received`));
      if (bytes.length === 4) setTimeout(() => s.end(), 200); // a truncated hello: closed when the client gives up
    });
    t.equal(closedAfter, 'closed, 0 bytes received', `refused: ${bytes.subarray(0, 12).toString('latin1')}...`);
  }
  const name = `app.${device.deviceId}.${ZONE}`;
  t.match(await curlHttps(name, ports.https, device.cert.cert), `as ${name}`, 'the device is still served');
});

/** A connected TCP pair on loopback: [the dialer's end, the accepted end]. */
async function socketPair(t: { teardown(fn: () => unknown): void }): Promise<[Socket, Socket]> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const dialer = connect((server.address() as { port: number }).port, '127.0.0.1');
  const pair: [Socket, Socket] = [dialer, await accepted];
  server.close();
  t.teardown(() => pair.forEach((s) => s.destroy()));
  return pair;
}

const closed = (s: Socket): Promise<void> => new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));

t.test('relay spares: replay, forged MAC and over-cap refused; a talking spare is dropped; tunnel close drops all', async (t) => {
  const hub = new DataConnHub(2, pino({ level: 'silent' }));
  const session = hub.open();
  const keys = deriveDataKeys(session.secret, session.sid);
  const offer = async (seq: number, k = keys): Promise<[Socket, Socket]> => {
    const pair = await socketPair(t);
    hub.accept(pair[1], { sid: session.sid, seq, mac: encodeDataHello(session.sid, seq, k).subarray(24) });
    return pair;
  };
  const [dev1, rel1] = await offer(1);
  t.equal(session.size, 1);
  const [, replayed] = await offer(1);
  await closed(replayed);
  t.equal(session.size, 1, 'number 1 again: refused');
  const [, forged] = await offer(5, deriveDataKeys(randomBytes(32), session.sid));
  await closed(forged);
  const [dev3] = await offer(3);
  const [, third] = await offer(4);
  await closed(third);
  t.equal(session.size, 2, 'cap of 2 spares');

  // Giving a spare a client: the sealed metadata reaches the device first, readable with connection number 1... or 3.
  const meta = { kind: 'tls' as const, serverName: 'a.b.relay.test', remoteAddress: '198.51.100.7' };
  const given = session.take(meta)!;
  t.not(given, rel1, 'the freshest spare is given first');
  const header = await new Promise<Buffer>((r) => dev3.once('data', r));
  t.match(openMeta(header, 3, keys), { kind: 'ok', meta });
  t.equal(session.size, 1);

  dev1.write('unexpected');
  await closed(rel1);
  t.equal(session.size, 0, 'a spare that sends before being given a client is dropped');

  const [, rel6] = await offer(6);
  t.equal(session.size, 1);
  session.close();
  await closed(rel6);
  const [, late] = await offer(7);
  await closed(late);
  t.equal(session.size, 0, 'after the tunnel closed its session is unknown');
  given.destroy();
});

// Name ownership: custom domains need a DNS TXT proof (checked against pebble-challtestsrv's real DNS server), a name
// held by another live device is refused, the same device reconnecting replaces its old tunnel, logins are rate-limited.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { curlHttps, newKeyPair, startChallTestSrv, startDevice, startRelay, tempDir, waitFor, ZONE } from './fixtures.js';

t.test('custom domain: refused without TXT proof, served with it, refused to a second device', async (t) => {
  const dir = await tempDir(t);
  const chall = await startChallTestSrv(t);
  const { relay, ports, tunnelCert } = await startRelay(t, dir, { dnsResolver: chall.dns });
  const domain = `shop-${randomBytes(4).toString('hex')}.example.org`;
  const relays = [`tls://127.0.0.1:${ports.tunnel}`];

  const keyA = newKeyPair();
  const a1 = await startDevice(t, dir, { relays, ca: tunnelCert.certPem, keyPair: keyA, domains: [domain], body: () => 'A1\n' });
  await waitFor('A up', () => a1.client.status()[0]!.connected);
  t.match(a1.client.status()[0]!.rejected, [{ name: domain, reason: /no TXT record/ }], 'no proof: refused');
  t.notOk(a1.client.status()[0]!.names.includes(domain));
  a1.client.stop();
  await waitFor('A1 gone', () => relay.tunnels === 0);

  await chall.setTxt(`_hearth.${domain}`, `hearth-device=${a1.deviceId}`);
  const a2 = await startDevice(t, dir, { relays, ca: tunnelCert.certPem, keyPair: keyA, domains: [domain], body: () => 'A2\n' });
  await waitFor('A2 up', () => a2.client.status()[0]!.connected);
  t.ok(a2.client.status()[0]!.names.includes(domain), 'proof in DNS: accepted');
  t.equal(await curlHttps(domain, ports.https, a2.cert.cert), 'A2\n');

  // Device B proves the domain too (the TXT now lists both), but A is connected and holds it.
  const keyB = newKeyPair();
  const b = await startDevice(t, dir, { relays, ca: tunnelCert.certPem, keyPair: keyB, domains: [domain], body: () => 'B\n' });
  await chall.setTxt(`_hearth.${domain}`, `hearth-device=${b.deviceId}`);
  b.client.stop();
  const b2 = await startDevice(t, dir, { relays, ca: tunnelCert.certPem, keyPair: keyB, domains: [domain], body: () => 'B\n' });
  await waitFor('B up', () => b2.client.status()[0]!.connected);
  t.match(b2.client.status()[0]!.rejected, [{ name: domain, reason: /another connected device/ }], 'taken name refused');
  t.equal(await curlHttps(domain, ports.https, a2.cert.cert), 'A2\n', 'still served by A');
  t.match(await curlHttps(`app.${b2.deviceId}.${ZONE}`, ports.https, b2.cert.cert), 'B\n', 'B serves its own names');
});

t.test('the same device reconnecting replaces its old tunnel', async (t) => {
  const dir = await tempDir(t);
  const { relay, ports, tunnelCert } = await startRelay(t, dir);
  const relays = [`tls://127.0.0.1:${ports.tunnel}`];
  const keyPair = newKeyPair();
  const first = await startDevice(t, dir, { relays, ca: tunnelCert.certPem, keyPair, body: () => 'first\n' });
  await waitFor('first up', () => first.client.status()[0]!.connected);
  // When the relay drops the old tunnel, that client is stopped (a real device has only one).
  first.client.once('down', () => first.client.stop());
  const second = await startDevice(t, dir, { relays, ca: tunnelCert.certPem, keyPair, body: () => 'second\n' });
  await waitFor('second up', () => second.client.status()[0]!.connected);
  await waitFor('first dropped', () => !first.client.status()[0]!.connected);
  t.equal(relay.tunnels, 1);
  t.equal(await curlHttps(`x.${second.deviceId}.${ZONE}`, ports.https, second.cert.cert), 'second\n');
});

t.test('tunnel logins are rate-limited per source address', async (t) => {
  const dir = await tempDir(t);
  const { ports, tunnelCert } = await startRelay(t, dir, {
    limits: { loginsPerIp: { capacity: 2, refillPerSecond: 0.01 } } as never,
  });
  const relays = [`tls://127.0.0.1:${ports.tunnel}`];
  const d1 = await startDevice(t, dir, { relays, ca: tunnelCert.certPem });
  const d2 = await startDevice(t, dir, { relays, ca: tunnelCert.certPem });
  await waitFor('two up', () => d1.client.status()[0]!.connected && d2.client.status()[0]!.connected);
  const d3 = await startDevice(t, dir, { relays, ca: tunnelCert.certPem });
  await waitFor('third refused', () => /rate-limited/.test(d3.client.status()[0]!.lastError ?? ''));
  t.notOk(d3.client.status()[0]!.connected);
});

// End to end on loopback: curl → relay (SNI routing, no key) → tunnel → device TLS server; port-80 passthrough and
// redirect; WebSocket fallback; relay restart with device reconnect.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { curlHttps, run, startDevice, startRelay, tempDir, waitFor, ZONE } from './fixtures.js';

t.test('curl fetches through relay and tunnel; relay holds no device key', async (t) => {
  const dir = await tempDir(t);
  const { ports, tunnelCert, config } = await startRelay(t, dir);
  const device = await startDevice(t, dir, { relays: [`tls://127.0.0.1:${ports.tunnel}`], ca: tunnelCert.certPem });
  await waitFor('tunnel up', () => device.client.status()[0]!.connected);
  const name = `app.${device.deviceId}.${ZONE}`;
  const body = await curlHttps(name, ports.https, device.cert.cert, '/x');
  t.equal(body, `hello from ${device.deviceId} as ${name} path /x\n`);
  const bare = await curlHttps(`${device.deviceId}.${ZONE}`, ports.https, device.cert.cert);
  t.match(bare, /hello from/);
  // The relay's config names only its own tunnel certificate; the device key never leaves the device.
  const deviceKey = (await readFile(device.cert.key, 'utf8')).trim();
  t.not(await readFile(config.tunnelTls.key, 'utf8'), deviceKey);
  t.same(device.client.status()[0]!.names.sort(), [`${device.deviceId}.${ZONE}`, `*.${device.deviceId}.${ZONE}`].sort());
  // Unknown name: the connection is refused (TLS alert), curl fails.
  await t.rejects(curlHttps(`nobody.${ZONE}`, ports.https, device.cert.cert), 'unknown name refused');
});

t.test('port 80: ACME challenge passes through by Host, everything else is 308 to https', async (t) => {
  const dir = await tempDir(t);
  const { ports, tunnelCert } = await startRelay(t, dir);
  const device = await startDevice(t, dir, { relays: [`tls://127.0.0.1:${ports.tunnel}`], ca: tunnelCert.certPem });
  await waitFor('tunnel up', () => device.client.status()[0]!.connected);
  const name = `${device.deviceId}.${ZONE}`;
  const acme = await run('curl', ['-sS', '--fail', '-H', `Host: ${name}`, `http://127.0.0.1:${ports.http}/.well-known/acme-challenge/tok123`]);
  t.equal(acme.stdout, `hello from ${device.deviceId} as ${name} path /.well-known/acme-challenge/tok123\n`);
  const redirect = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', '-H', `Host: ${name}`, `http://127.0.0.1:${ports.http}/some/page?q=1`]);
  t.equal(redirect.stdout, `308 https://${name}/some/page?q=1`);
  const bad = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: bad_host!', `http://127.0.0.1:${ports.http}/`]);
  t.equal(bad.stdout, '400');
});

t.test('WebSocket fallback transport carries the tunnel', async (t) => {
  const dir = await tempDir(t);
  const { ports, tunnelCert } = await startRelay(t, dir);
  const device = await startDevice(t, dir, { relays: [`wss://127.0.0.1:${ports.tunnel}/v1/tunnel`], ca: tunnelCert.certPem });
  await waitFor('tunnel up', () => device.client.status()[0]!.connected);
  const name = `web.${device.deviceId}.${ZONE}`;
  t.match(await curlHttps(name, ports.https, device.cert.cert), `as ${name}`);
});

t.test('relay restart: the device reconnects and is reachable again', async (t) => {
  const dir = await tempDir(t);
  const first = await startRelay(t, dir);
  const port = first.ports.tunnel;
  const httpsPort = first.ports.https;
  const device = await startDevice(t, dir, { relays: [`tls://127.0.0.1:${port}`], ca: first.tunnelCert.certPem });
  await waitFor('tunnel up', () => device.client.status()[0]!.connected);
  await first.relay.close();
  await waitFor('tunnel down', () => !device.client.status()[0]!.connected);
  const second = await startRelay(t, dir, { listen: { host: '127.0.0.1', https: httpsPort, http: 0, tunnel: port } }, { tunnelCert: first.tunnelCert });
  t.equal(second.ports.tunnel, port);
  await waitFor('tunnel back', () => device.client.status()[0]!.connected, 15_000);
  const name = `app.${device.deviceId}.${ZONE}`;
  t.match(await curlHttps(name, httpsPort, device.cert.cert), `as ${name}`);
});

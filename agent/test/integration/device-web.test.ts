// The owner's path in, end to end on a real agent and podman: pair by code (SPAKE2), then every admin request is
// signed; install from the signed catalog; the app is served; apps cannot reach the admin web; revocation bites.
import t from 'tap';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startDevice } from '../../../test-support/device-harness.js';
import { hostFetch } from '../../../test-support/host-fetch.js';
import { createRequestSigner, generateClientKeyPair, pairWithDevice } from '../../src/client-auth/index.js';

t.test('pair, signed admin, catalog install, app isolation, revoke', async (t) => {
  const dev = await startDevice(t, { overrides: { ingress: { host: '0.0.0.0', port: 0 } } });
  const f = hostFetch(dev.ingressPort);
  const base = dev.url.replace(/\/$/, '');

  t.equal((await f(`${base}/`)).status, 200, 'the device web answers at its own name');
  const unsigned = await f(`${base}/v1/apps`);
  t.equal(unsigned.status, 401, 'admin API without a signature: 401');

  const keyPair = await generateClientKeyPair();
  const paired = await pairWithDevice({ baseUrl: base, credential: { mode: 'code', code: dev.pairingCode }, keyPair, clientName: 'test phone', fetch: f });
  t.equal(paired.deviceId, dev.agent.device!.identity.deviceId, 'paired with this device');
  const signer = createRequestSigner({ keyId: paired.clientId, privateKey: keyPair.privateKey });
  const call = async (method: string, path: string, body?: unknown) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers = { ...(await signer.sign({ method, url: path, body: text })), ...(text ? { 'content-type': 'application/json' } : {}) };
    return f(`${base}${path}`, { method, headers, body: text });
  };

  const again = await pairWithDevice({ baseUrl: base, credential: { mode: 'code', code: dev.pairingCode }, keyPair: await generateClientKeyPair(), clientName: 'intruder', fetch: f }).then(
    () => 'paired',
    (e: Error) => e.message,
  );
  t.not(again, 'paired', `a second pairing without the owner is refused (${again})`);

  const catalog = (await (await call('GET', '/v1/catalog')).json()) as { apps: Array<{ id: string; installed: boolean }> };
  t.ok(catalog.apps.length >= 4, 'the signed catalog lists its apps');
  t.ok(catalog.apps.some((a) => a.id === 'tiny' && !a.installed), 'tiny is offered, not installed');

  const res = await call('POST', '/v1/catalog/install?wait=true', { id: 'tiny' });
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; ok?: boolean; app?: { urls: string[] } });
  const result = lines[lines.length - 1]!;
  t.equal(result.type, 'result');
  t.ok(result.ok, 'tiny installed from the catalog and healthy');
  t.same(result.app?.urls, [`http://tiny.${dev.domain}/`]);
  const page = await f(`http://tiny.${dev.domain}:${dev.ingressPort}/`);
  t.equal(page.status, 200, 'tiny is served by the ingress');

  // From inside the app container: its own route through the ingress works (control), the device web does not.
  const container = execFileSync('podman', ['ps', '-q', '--filter', 'label=io.hearth.app=tiny', '--filter', `label=io.hearth.scope=${dev.agent.config.engine.scope}`], { encoding: 'utf8' }).trim();
  const gw = execFileSync('podman', ['exec', container, 'sh', '-c', "ip route | awk '/default/ {print $3}'"], { encoding: 'utf8' }).trim();
  // Asynchronous on purpose: the agent runs in this process, and a synchronous exec would block its event loop.
  const run = promisify(execFile);
  const fromApp = async (host: string, path: string) =>
    (await run('podman', ['exec', container, 'sh', '-c', `timeout 5 wget -q -S -O /dev/null --header 'Host: ${host}' http://${gw}:${dev.ingressPort}${path} 2>&1 | head -1; true`])).stdout;
  const control = await fromApp(`tiny.${dev.domain}`, '/');
  t.match(control, /200/, `an app reaches app routes through the ingress (${container} via ${gw}: ${control})`);
  t.match(await fromApp(dev.domain, '/v1/health'), /403/, 'an app cannot reach the device admin web');
  t.match(await fromApp(dev.domain, '/v1/pair/info'), /403/, 'nor the pairing endpoints');

  const clients = (await (await call('GET', '/v1/clients')).json()) as { clients: Array<{ id: string }> } | Array<{ id: string }>;
  const list = Array.isArray(clients) ? clients : clients.clients;
  t.ok(list.some((c) => c.id === paired.clientId), 'the phone is listed as a paired client');
  t.equal((await call('DELETE', `/v1/clients/${paired.clientId}`)).status, 200, 'the owner revokes the phone');
  t.equal((await call('GET', '/v1/apps')).status, 403, 'a revoked client is refused at once');
});

// The client side in a real browser: the client-auth code is bundled with esbuild (as the PWA will be) and run in
// headless Chromium, which pairs by QR with a NON-extractable WebCrypto P-256 key and then makes a signed admin call.
import t from 'tap';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { startDevice } from './harness.js';
import { parsePairingUrl } from '../../src/pairing/pairing-url.js';
import { toBase64Url } from '../../src/client-auth/encoding.js';

const CHROMIUM = '/usr/bin/chromium';
const here = dirname(fileURLToPath(import.meta.url));

t.test('pair and sign from headless Chromium', async (t) => {
  if (!t.ok(existsSync(CHROMIUM), `${CHROMIUM} is installed (scripts/setup-host.sh installs it)`)) return;
  const bundle = await build({
    entryPoints: [join(here, '../../src/client-auth/index.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'HearthClient',
    platform: 'browser',
    write: false,
  });
  const js = bundle.outputFiles[0]!.text;
  t.notMatch(js, /require\(["']node:/, 'no Node built-ins in the browser bundle');
  const d = await startDevice({
    extraRoutes: (app) => {
      app.get('/client.js', async (_req, reply) => reply.type('text/javascript').send(js));
      app.get('/', async (_req, reply) => reply.type('text/html').send('<!doctype html><script src="/client.js"></script>'));
    },
  });
  t.teardown(() => d.close());
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  await page.goto(d.base + '/');
  const qr = parsePairingUrl(d.service.pairingUrl(d.relay));
  const out = await page.evaluate(
    async ({ secret, deviceId }) => {
      const H = (window as unknown as { HearthClient: typeof import('../../src/client-auth/index.js') }).HearthClient;
      const keyPair = await H.generateClientKeyPair();
      const paired = await H.pairWithDevice({
        baseUrl: location.origin,
        keyPair,
        clientName: 'chromium',
        credential: { mode: 'qr', secret: H.fromBase64Url(secret), expectedDeviceId: deviceId },
      });
      const signer = H.createRequestSigner({ keyId: paired.clientId, privateKey: keyPair.privateKey });
      const res = await fetch('/v1/clients', { headers: await signer.sign({ method: 'GET', url: '/v1/clients' }) });
      const unsigned = await fetch('/v1/clients');
      return { extractable: keyPair.privateKey.extractable, clientId: paired.clientId, devicePublicKey: paired.devicePublicKey, status: res.status, body: await res.json(), unsignedStatus: unsigned.status };
    },
    { secret: toBase64Url(qr.secret), deviceId: qr.deviceId },
  );
  t.equal(out.extractable, false, 'the private key is non-extractable');
  t.equal(out.devicePublicKey, toBase64Url(d.identity.publicKey), 'browser pinned the device key');
  t.ok(d.clients.get(out.clientId), 'device stored the browser key as a client');
  t.equal(out.status, 200, 'signed request from the browser accepted');
  t.match(out.body, { clients: [{ id: out.clientId, name: 'chromium' }] });
  t.equal(out.unsignedStatus, 401);
});

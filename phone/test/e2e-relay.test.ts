// The phone app over the relay, as an owner away from home uses it: a real agent configured with a relay and ACME
// (Pebble validating through the relay), headless Chromium at phone size on https://<device id>.relay.test:<port>/,
// which only the relay's public port serves. Pairs by code, installs `tiny` from the signed catalog, opens it at
// https://tiny.<device>… through the relay, removes it. Chromium validates the device's certificates against
// Pebble's intermediate (pinned by SPKI), so the secure context, WebCrypto and the service worker are the real ones.
import t from 'tap';
import { X509Certificate, createHash } from 'node:crypto';
import tls, { type DetailedPeerCertificate } from 'node:tls';
import { startRelayedDevice } from '../../test-support/relayed-device.js';
import { ZONE, curlHttps, waitFor } from '../../relay/test/fixtures.js';
import { buildPhoneForTest, explainOnFailure, haveChromium, launchPhone, screenshots, CHROMIUM } from './browser.js';

/** Base64 SHA-256 of the SPKI of every CA certificate the server sends above its leaf. */
function issuerSpkis(port: number, servername: string, ca: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername, ca }, () => {
      const out: string[] = [];
      let c: DetailedPeerCertificate | undefined = s.getPeerCertificate(true).issuerCertificate;
      while (c && c.raw && !out.includes(spki(c.raw))) {
        out.push(spki(c.raw));
        c = c.issuerCertificate === c ? undefined : c.issuerCertificate;
      }
      s.end();
      resolve(out);
    });
    s.on('error', reject);
  });
}

function spki(der: Buffer): string {
  const key = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(key).digest('base64');
}

t.test('phone over the relay: pair, install, open, remove — all over HTTPS through the relay', { timeout: 300_000 }, async (t) => {
  if (!t.ok(haveChromium(), `${CHROMIUM} is installed (scripts/setup-host.sh installs it)`)) return;
  const phoneDir = await buildPhoneForTest(t);

  const { dev, domain, relay: { ports }, rootPath: root, rootPem } = await startRelayedDevice(t, { phoneDir });
  const origin = `https://${domain}:${ports.https}`;
  await waitFor('the device certificate through the relay', async () => (await curlHttps(domain, ports.https, root, '/')).length > 0, 60_000, 500);
  const trustSpki = await issuerSpkis(ports.https, domain, rootPem);
  t.ok(trustSpki.length > 0, 'Pebble\'s intermediate is pinned for Chromium');

  const context = await launchPhone(t, [], { hostRules: `MAP *.${ZONE} 127.0.0.1`, trustSpki });
  const page = await context.newPage();
  const shot = screenshots('e2e-relay');
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  explainOnFailure(t, page);

  await page.goto(`${origin}/`);
  await page.waitForSelector('body[data-screen=pair] #pair-input');
  t.ok(await page.evaluate(() => window.isSecureContext), 'a real secure context: the certificate validated');
  await page.fill('#pair-input', dev.pairingCode);
  await page.click('button[type=submit]');
  await page.waitForSelector('#pair-confirm');
  t.equal((await page.textContent('.confirm-step .device-id'))!.replace(/\s/g, ''), dev.agent.device!.identity.deviceId);
  await page.click('#pair-confirm');
  await page.waitForSelector('body[data-ready=device] #device-status', { timeout: 30_000 });
  t.match(await page.textContent('main'), /Connected/, 'the device screen shows the relay connected');
  await shot(page, 'device');

  await page.click('nav a[href="#/store"]');
  await page.waitForSelector('body[data-ready=store] li[data-app=tiny]');
  await page.click('#install-tiny');
  const open = await page.waitForSelector('li[data-app=tiny] a[data-open]', { timeout: 180_000 });
  const appUrl = `https://tiny.${domain}:${ports.https}/`;
  t.equal(await open.getAttribute('href'), appUrl, 'Open points at the app through the relay');
  await shot(page, 'installed');
  // The certificate for the new name is issued after the install converges: retry until the page validates.
  const appPage = await context.newPage();
  await waitFor('tiny over HTTPS in the browser', async () => {
    const res = await appPage.goto(appUrl).catch(() => null);
    return res?.status() === 200;
  }, 90_000, 1000);
  t.match(await appPage.textContent('h1'), 'Tiny app', 'the app page is served through the relay');
  await shot(appPage, 'tiny-app');
  await appPage.close();

  await page.click('nav a[href="#/apps"]');
  await page.waitForSelector('body[data-ready=apps] li[data-app=tiny]');
  await page.click('li[data-app=tiny] button[data-action=remove]');
  await page.waitForSelector('dialog[open]');
  await page.check('dialog input[value=delete]');
  await page.click('dialog button[type=submit]');
  await page.waitForSelector('text=No apps yet', { timeout: 120_000 });
  t.same(dev.agent.operations.list().map((a) => a.id), [], 'removed');
  await shot(page, 'removed');
  t.same(pageErrors, [], 'no uncaught errors in the page');
});

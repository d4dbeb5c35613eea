// The phone app end to end: a real agent on real podman serves the built PWA; headless Chromium at phone size pairs
// by the 8-digit code, sees the device, installs `tiny` from the signed catalog with a progress bar, opens it
// through the ingress, removes it with its data, invites a second client, and is shut out once revoked.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startDevice } from '../../test-support/device-harness.js';
import { hostFetch } from '../../test-support/host-fetch.js';
import { generateClientKeyPair, pairWithDevice, createRequestSigner } from '../../agent/src/client-auth/index.js';
import { signedTransport } from '../../agent/src/client-auth/signed-transport.js';
import { DeviceClient } from '../../agent/src/client/device-client.js';
import { fetchTransport } from '../../agent/src/client/transport.js';
import { parsePairInput, credentialFor } from '../src/lib/pair-input.js';
import { buildPhoneForTest, explainOnFailure, haveChromium, launchPhone, screenshots, CHROMIUM } from './browser.js';

t.test('pair, device, store install, open, remove, invite, revoked', async (t) => {
  if (!t.ok(haveChromium(), `${CHROMIUM} is installed (scripts/setup-host.sh installs it)`)) return;
  const phoneDir = await buildPhoneForTest(t);

  const dev = await startDevice(t, { overrides: { phoneDir } });
  const origin = dev.url.replace(/\/$/, '');
  const appOrigin = `http://tiny.${dev.domain}:${dev.ingressPort}`;
  const context = await launchPhone(t, [origin, appOrigin]);
  const page = await context.newPage();
  const shot = screenshots('e2e');
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  explainOnFailure(t, page);

  // Pair by code: the confirm step shows the device ID before anything is sent.
  await page.goto(`${origin}/`);
  await page.waitForSelector('body[data-screen=pair] #pair-input');
  t.equal(await page.title(), 'Hearth');
  await shot(page, 'pair');
  await page.fill('#pair-input', '1234');
  await page.click('button[type=submit]');
  t.match(await page.textContent('.error'), /8 digits; you entered 4/, 'a short code is explained, not sent');
  await page.fill('#pair-input', dev.pairingCode.replace(/(\d{4})/, '$1 '));
  await page.click('button[type=submit]');
  await page.waitForSelector('#pair-confirm');
  const shownId = (await page.textContent('.confirm-step .device-id'))!.replace(/\s/g, '');
  t.equal(shownId, dev.agent.device!.identity.deviceId, 'the confirm step shows this device ID');
  await shot(page, 'pair-confirm');
  await page.click('#pair-confirm');
  await page.waitForSelector('body[data-ready=device] #device-status', { timeout: 30_000 });
  t.match(await page.textContent('main'), new RegExp(dev.agent.device!.identity.deviceId), 'device screen shows the device');
  t.match(await page.textContent('main'), /free of/, 'and its storage');
  await shot(page, 'device');

  const stored = await page.evaluate(
    () =>
      new Promise<{ extractable: boolean; type: string; clientId: string }>((resolve, reject) => {
        const req = indexedDB.open('hearth');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const get = req.result.transaction('pairing').objectStore('pairing').get('current');
          get.onsuccess = () => {
            const p = get.result as { keyPair: CryptoKeyPair; clientId: string };
            resolve({ extractable: p.keyPair.privateKey.extractable, type: p.keyPair.privateKey.type, clientId: p.clientId });
          };
        };
      }),
  );
  t.same({ extractable: stored.extractable, type: stored.type }, { extractable: false, type: 'private' }, 'IndexedDB holds a non-extractable private key');

  // Store: install tiny with a progress bar, then open it through the ingress.
  await page.click('nav a[href="#/store"]');
  await page.waitForSelector('body[data-ready=store] li[data-app=tiny]');
  await shot(page, 'store');
  await page.click('#install-tiny');
  await page.waitForFunction(() => Number((document.querySelector('#progress-tiny') as HTMLProgressElement | null)?.value ?? 0) > 0, undefined, { timeout: 60_000 });
  await shot(page, 'installing');
  const open = await page.waitForSelector('li[data-app=tiny] a[data-open]', { timeout: 180_000 });
  t.equal(await open.getAttribute('href'), `${appOrigin}/`, 'Open points at the app through this ingress');
  await shot(page, 'installed');
  const [appPage] = await Promise.all([context.waitForEvent('page'), open.click()]);
  await appPage.waitForLoadState('load');
  // Chromium may fail this first load with ERR_NETWORK_CHANGED (the app's container has just started); a person
  // would reload, and so does the test.
  for (let i = 0; i < 3 && (await appPage.locator('h1').count()) === 0; i++) await appPage.reload().catch(() => undefined);
  t.match(await appPage.textContent('h1'), 'Tiny app', 'the app page is served');
  await shot(appPage, 'tiny-app');
  await appPage.close();

  // Apps: logs, then remove with an explicit choice to delete the data.
  t.ok(existsSync(join(dev.dataDir, 'apps', 'tiny')), 'tiny has a data folder');
  await page.click('nav a[href="#/apps"]');
  await page.waitForSelector('body[data-ready=apps] li[data-app=tiny]');
  await page.click('li[data-app=tiny] button[data-action=logs]');
  await page.waitForSelector('li[data-app=tiny] pre');
  await shot(page, 'apps');
  await page.click('li[data-app=tiny] button[data-action=remove]');
  await page.waitForSelector('dialog[open]');
  await page.click('dialog button[type=submit]');
  t.ok(await page.isVisible('dialog[open]'), 'Remove without a keep-data choice does nothing');
  await page.check('dialog input[value=delete]');
  await shot(page, 'remove-dialog');
  await page.click('dialog button[type=submit]');
  await page.waitForSelector('text=No apps yet', { timeout: 120_000 });
  t.same(dev.agent.operations.list().map((a) => a.id), [], 'the device has no apps left');
  t.notOk(existsSync(join(dev.dataDir, 'apps', 'tiny')), 'and tiny\'s data is deleted');

  // Updates, then Clients: an invite link a second client can really pair with.
  await page.click('nav a[href="#/updates"]');
  await page.waitForSelector('body[data-ready=updates] #update-status');
  t.match(await page.textContent('#update-status'), /not available/);
  await shot(page, 'updates');
  await page.click('nav a[href="#/clients"]');
  await page.waitForSelector(`body[data-ready=clients] li[data-client="${stored.clientId}"]`);
  await page.click('#create-invite');
  await page.waitForSelector('#invite img.qr');
  const link = await page.inputValue('#invite-link');
  t.match(link, `${origin}/#/pair?link=hearth%3A%2F%2Fpair`, 'the invite opens this app');
  await shot(page, 'invite');

  const f = hostFetch(dev.ingressPort);
  const laptopKeys = await generateClientKeyPair();
  const laptop = await pairWithDevice({ baseUrl: origin, credential: credentialFor(parsePairInput(link)), keyPair: laptopKeys, clientName: 'laptop', fetch: f });
  t.equal(laptop.deviceId, dev.agent.device!.identity.deviceId, 'a second client paired with the invite');
  const laptopClient = new DeviceClient(signedTransport(fetchTransport(origin, f), createRequestSigner({ keyId: laptop.clientId, privateKey: laptopKeys.privateKey })));
  const listed = await laptopClient.clients();
  t.ok(listed.some((c) => c.id === stored.clientId && c.name.startsWith('Android phone') && !c.revokedAt), 'the device lists the phone as a client');
  await laptopClient.revokeClient(stored.clientId);

  // Revoked: the phone gets a sentence, not a status code.
  await page.click('nav a[href="#/apps"]');
  await page.waitForSelector('.error:not([hidden])');
  t.match(await page.textContent('.error'), /removed from your Hearth/, 'a revoked phone is told so in words');
  t.notMatch(await page.textContent('body'), /403|Error:|at \w+ \(/, 'no status codes or stacks on screen');
  t.ok(await page.isVisible('#pair-again'), 'and offered to pair again');
  await shot(page, 'revoked');

  // Offline: the service worker serves the shell, which says the device is unreachable.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await context.setOffline(true);
  await page.evaluate(() => (location.hash = '#/device'));
  await page.reload();
  await page.waitForSelector('#unreachable', { timeout: 30_000 });
  t.match(await page.textContent('#unreachable'), /can't be reached/);
  t.ok(await page.evaluate(() => !!navigator.serviceWorker.controller), 'the offline page came from the service worker');
  await shot(page, 'offline');
  await context.setOffline(false);

  // Back online but still revoked: pair again; the code no longer works while another client is paired.
  // page.reload() rather than the Try again button: Playwright's setOffline(false) does not reach the service
  // worker's own fetches, so a reload started by the page would still be served offline.
  await page.reload();
  await page.click('#pair-again');
  await page.waitForSelector('body[data-screen=pair] #pair-input');
  await page.fill('#pair-input', dev.pairingCode);
  await page.click('button[type=submit]');
  await page.waitForSelector('.error:not([hidden])');
  t.match(await page.textContent('.error'), /already has an owner/, 'the code is refused in words while another client is paired');
  await shot(page, 'pair-closed');
  t.same(pageErrors, [], 'no uncaught errors in the page');
});

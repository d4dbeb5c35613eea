// Answers lost on the way back (as when a phone changes networks, or Chromium fails requests in flight when it sees
// the host's interfaces change): the device did the work, the page saw the request fail. Real agent on podman, real
// Chromium; Playwright forwards the request to the device, then fails it in the page. An install ends at Open with the
// app installed once; a stop and a start each end with the app in that state, sent once; a removal ends at "No apps
// yet" with the app and its data gone; unpairing the phone ends at Pair with the phone revoked, sent once.
import t from 'tap';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDevice } from '../../test-support/device-harness.js';
import { buildPhoneForTest, explainOnFailure, haveChromium, launchPhone, CHROMIUM } from './browser.js';

t.test('a lost install answer still ends at Open; lost stop and start answers at Start and Stop; a lost removal answer at "No apps yet"; a lost unpair at Pair', async (t) => {
  if (!t.ok(haveChromium(), `${CHROMIUM} is installed (scripts/setup-host.sh installs it)`)) return;
  const phoneDir = await buildPhoneForTest(t);
  const dev = await startDevice(t, { overrides: { phoneDir } });
  const origin = dev.url.replace(/\/$/, '');
  const page = await (await launchPhone(t, [origin])).newPage();
  explainOnFailure(t, page);

  await page.goto(`${origin}/`);
  await page.fill('#pair-input', dev.pairingCode);
  await page.click('button[type=submit]');
  await page.click('#pair-confirm');
  await page.waitForSelector('body[data-ready=device] #device-status', { timeout: 30_000 });

  // Playwright sends the forwarded request from Node, which does not resolve *.hearth.test: loopback, device's Host.
  const forwarded: string[] = [];
  const loseAnswers = (pattern: string) =>
    page.route(pattern, async (route) => {
      const req = route.request();
      const url = new URL(req.url());
      const host = url.host;
      url.hostname = '127.0.0.1';
      const res = await route.fetch({ url: url.href, headers: { ...req.headers(), host }, timeout: 180_000 }).catch((e: unknown) => {
        t.fail(`forwarding ${req.method()}: ${String(e)}`);
        return undefined;
      });
      if (res) forwarded.push(`${req.method()} ${res.status()}`);
      await route.abort('connectionreset');
    });
  await loseAnswers('**/v1/catalog/install*');
  await page.click('nav a[href="#/store"]');
  await page.waitForSelector('body[data-ready=store] li[data-app=tiny]');
  await page.click('#install-tiny');
  const open = await page.waitForSelector('li[data-app=tiny] a[data-open]', { timeout: 180_000 });
  t.same(forwarded, ['POST 200'], 'the device answered the one install request; the page saw it fail');
  t.match(await page.textContent('li[data-app=tiny] .ok-text'), /installed and running/, 'the phone followed the install to its end');
  t.equal(await open.getAttribute('href'), `http://tiny.${dev.domain}:${dev.ingressPort}/`);
  t.match(dev.agent.operations.list(), [{ id: 'tiny', phase: 'running' }], 'installed once, on the device');
  t.notOk(await page.isVisible('.error:not([hidden])'), 'no error shown');
  t.ok(existsSync(join(dev.dataDir, 'apps', 'tiny')), 'tiny has a data folder');

  // Stop, then start again: the device acts on each (its containers go, then come back); the page sees each fail.
  await page.unroute('**/v1/catalog/install*');
  await loseAnswers('**/v1/apps/tiny/st*');
  await page.click('nav a[href="#/apps"]');
  await page.waitForSelector('body[data-ready=apps] li[data-app=tiny] button[data-action=stop]');
  await page.click('li[data-app=tiny] button[data-action=stop]');
  await page.waitForSelector('li[data-app=tiny] button[data-action=start]', { timeout: 120_000 });
  t.match(dev.agent.operations.list(), [{ id: 'tiny', desired: 'stopped' }], 'stopped on the device');
  await page.click('li[data-app=tiny] button[data-action=start]');
  await page.waitForSelector('li[data-app=tiny] button[data-action=stop]', { timeout: 120_000 });
  t.match(dev.agent.operations.list(), [{ id: 'tiny', desired: 'running' }], 'running again on the device');
  t.same(forwarded, ['POST 200', 'POST 200', 'POST 200'], 'one stop and one start reached the device; neither was sent again');
  t.notOk(await page.isVisible('.error:not([hidden])'), 'no error shown');

  // Remove, deleting the data: the device removes it (the page's request fails); the phone finds it gone.
  await page.unroute('**/v1/apps/tiny/st*');
  await loseAnswers('**/v1/apps/tiny?*');
  await page.click('li[data-app=tiny] button[data-action=remove]');
  await page.check('dialog input[value=delete]');
  await page.click('dialog button[type=submit]');
  await page.waitForSelector('text=No apps yet', { timeout: 120_000 });
  t.same(forwarded, ['POST 200', 'POST 200', 'POST 200', 'DELETE 200'], 'one removal reached the device; it was not sent again');
  t.same(dev.agent.operations.list(), [], 'the device has no apps');
  t.notOk(existsSync(join(dev.dataDir, 'apps', 'tiny')), 'and tiny\'s data is deleted');
  t.notOk(await page.isVisible('.error:not([hidden])'), 'no error shown');

  // Unpair this phone: the device revokes it (the page's request fails); the phone's check is refused as revoked,
  // which shows the request arrived, so the phone forgets the device instead of showing an error.
  await page.unroute('**/v1/apps/tiny?*');
  await loseAnswers('**/v1/clients/*');
  await page.click('nav a[href="#/clients"]');
  await page.click('body[data-ready=clients] li[data-client] button[data-action=revoke]');
  await page.click('dialog button[type=submit]');
  await page.waitForSelector('#pair-input', { timeout: 60_000 });
  t.same(forwarded.slice(4), ['DELETE 200'], 'one revocation reached the device; it was not sent again');
  const { clients } = JSON.parse(await readFile(join(dev.dataDir, 'auth', 'clients.json'), 'utf8')) as { clients: Array<{ revokedAt?: string }> };
  t.match(clients, [{ revokedAt: String }], 'the phone is revoked on the device');
});

// The install's progress stream breaks after the device got the request (as when a phone changes networks mid-install):
// the device installs the app once, and the phone, seeing no answer, follows the app's status and still ends at Open.
// Real agent on podman, real Chromium; Playwright forwards the install to the device, then fails it in the page.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevice } from '../../test-support/device-harness.js';
import { buildPhone } from '../build.mjs';
import { explainOnFailure, haveChromium, launchPhone, CHROMIUM } from './browser.js';

t.test('a broken install stream still ends at Open, installed once', async (t) => {
  if (!t.ok(haveChromium(), `${CHROMIUM} is installed (scripts/setup-host.sh installs it)`)) return;
  const phoneDir = mkdtempSync(join(tmpdir(), 'hearth-phone-dist-'));
  t.teardown(() => rmSync(phoneDir, { recursive: true, force: true }));
  await buildPhone({ outDir: phoneDir });
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
  let forwarded = 0;
  await page.route('**/v1/catalog/install*', async (route) => {
    const url = new URL(route.request().url());
    const host = url.host;
    url.hostname = '127.0.0.1';
    const res = await route.fetch({ url: url.href, headers: { ...route.request().headers(), host }, timeout: 180_000 }).catch((e: unknown) => t.fail(`forwarding the install: ${String(e)}`));
    if (res) forwarded++;
    await route.abort('connectionreset');
  });
  await page.click('nav a[href="#/store"]');
  await page.waitForSelector('body[data-ready=store] li[data-app=tiny]');
  await page.click('#install-tiny');
  const open = await page.waitForSelector('li[data-app=tiny] a[data-open]', { timeout: 180_000 });
  t.equal(forwarded, 1, 'the device answered the one install request; the page saw it fail');
  t.match(await page.textContent('li[data-app=tiny] .ok-text'), /installed and running/, 'the phone followed the install to its end');
  t.equal(await open.getAttribute('href'), `http://tiny.${dev.domain}:${dev.ingressPort}/`);
  t.match(dev.agent.operations.list(), [{ id: 'tiny', phase: 'running' }], 'installed once, on the device');
  t.notOk(await page.isVisible('.error:not([hidden])'), 'no error shown');
});

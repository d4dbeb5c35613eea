// Headless Chromium as a phone, for the end-to-end tests: the Debian package (never a downloaded browser), a fresh
// profile per test, a phone viewport, *.hearth.test mapped to loopback, and the device's plain-HTTP test origins
// treated as secure (WebCrypto and service workers need a secure context).
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildPhone } from '../build.mjs';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * `secureOrigins`: plain-HTTP test origins to treat as secure. `opts.trustSpki`: base64 SHA-256 SPKI hashes of CA
 * certificates to trust (a test CA such as Pebble's intermediate), so HTTPS pages are really validated against it.
 */
export async function launchPhone(t: Teardown, secureOrigins: string[], opts: { hostRules?: string; trustSpki?: string[] } = {}): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'hearth-phone-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      `--host-resolver-rules=${opts.hostRules ?? 'MAP *.hearth.test 127.0.0.1'}`,
      ...(secureOrigins.length ? [`--unsafely-treat-insecure-origin-as-secure=${secureOrigins.join(',')}`] : []),
      ...(opts.trustSpki?.length ? [`--ignore-certificate-errors-spki-list=${opts.trustSpki.join(',')}`] : []),
    ],
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36',
  });
  t.teardown(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  return context;
}

/** Builds the phone app into a fresh folder, removed after the test, for the device under test to serve. */
export async function buildPhoneForTest(t: Teardown): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-phone-dist-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await buildPhone({ outDir: dir });
  return dir;
}

export function haveChromium(): boolean {
  return existsSync(CHROMIUM);
}

/** Saves a screenshot under phone/test/artifacts/<run>/ (gitignored) for a human to look at. */
export function screenshots(run: string): (page: Page, name: string) => Promise<void> {
  const dir = join(ARTIFACTS, run);
  mkdirSync(dir, { recursive: true });
  let n = 0;
  return async (page, name) => {
    n++;
    await page.screenshot({ path: join(dir, `${String(n).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
}

interface FailureReporter {
  passing(): boolean;
  teardown(fn: () => unknown): void;
  comment(...args: unknown[]): void;
}

/**
 * Records what the page asked the network and what failed (with Chromium's reason, e.g. net::ERR_NETWORK_CHANGED)
 * and, if the test fails, prints that log and what the screen showed: a browser test that times out says why.
 */
export function explainOnFailure(t: FailureReporter, page: Page): void {
  const start = Date.now();
  const log: string[] = [];
  const at = () => `${String(Date.now() - start).padStart(6)} ms`;
  page.on('request', (r) => log.push(`${at()} → ${r.method()} ${r.url()}`));
  page.on('requestfinished', (r) => log.push(`${at()} ← ${r.url()}`));
  page.on('requestfailed', (r) => log.push(`${at()} ✗ ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('console', (m) => log.push(`${at()} console.${m.type()}: ${m.text()}`));
  t.teardown(async () => {
    if (t.passing()) return;
    const screen = await page
      .evaluate(() => JSON.stringify({ hash: location.hash, ...document.body.dataset, main: document.querySelector('main')?.innerText.slice(0, 500) }))
      .catch((e: unknown) => `(page gone: ${(e as Error).message})`);
    t.comment(`screen at failure: ${screen}\nthe page's network, last 80 events:\n${log.slice(-80).join('\n')}`);
  });
}

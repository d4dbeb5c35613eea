// Runs a store install and shows it as a progress bar fed by the NDJSON lines; ends with an "Open" link. When the
// stream breaks without an answer, the install goes on on the device: the bar then follows the app's status instead.
import { ApiError, isNoAnswer } from '../../../agent/src/client/index.js';
import type { AppContext } from '../context.js';
import { openableUrl } from '../lib/app-link.js';
import { RECOVERY_LIMITS, installVerdict, type InstallVerdict } from '../lib/install-recovery.js';
import { advance, initialProgress } from '../lib/progress.js';
import { clear, h } from './dom.js';

const POLL_MS = 1500;

/** `version`: the version being installed (the store's), to tell this install's end from the app's old state. */
export async function installWithProgress(ctx: AppContext, app: { id: string; name: string; version: string }, host: HTMLElement): Promise<boolean> {
  const { id, name } = app;
  clear(host);
  const bar = h('progress', { max: 100, value: 0, id: `progress-${id}`, 'aria-label': `Installing ${name}` });
  const label = h('p', { class: 'hint', 'aria-live': 'polite' }, 'Starting');
  host.append(bar, label);
  let p = initialProgress;
  let urls: string[] = [];
  try {
    const result = await ctx.client().installFromCatalog(id, (line) => {
      p = advance(p, line);
      bar.value = p.percent;
      label.textContent = `${p.label} (${p.percent}%)`;
    });
    p = advance(p, result);
    if (!p.ok) return failed(host, name, p.message);
    urls = p.app?.urls ?? [];
  } catch (err) {
    if (!isNoAnswer(err)) {
      clear(host);
      ctx.fail(err);
      return false;
    }
    let verdict: InstallVerdict;
    try {
      verdict = await followInstall(ctx, id, app.version, (text) => (label.textContent = text));
    } catch (lost) {
      clear(host);
      ctx.fail(lost);
      return false;
    }
    if (verdict.state !== 'ok') return failed(host, name, verdict.state === 'failed' ? verdict.message : undefined);
    urls = verdict.app.urls;
  }
  clear(host);
  ctx.notify(`${name} is installed.`);
  host.append(h('p', { class: 'ok-text' }, `${name} is installed and running.`), ...openLinks(ctx, urls, name));
  return true;
}

function failed(host: HTMLElement, name: string, message: string | undefined): false {
  clear(host);
  host.append(h('p', { class: 'error-text', role: 'alert' }, `${name} could not be installed. ${message ?? ''}`.trim()));
  return false;
}

/**
 * Reads the app's status until installVerdict() can tell how the install ended. Throws the network error when the
 * device stays out of reach for as long as an install may take.
 */
async function followInstall(ctx: AppContext, id: string, version: string, show: (label: string) => void): Promise<InstallVerdict> {
  const start = Date.now();
  for (;;) {
    const waited = Date.now() - start;
    let verdict: InstallVerdict | undefined;
    try {
      verdict = installVerdict(await ctx.client().app(id), version, waited);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) verdict = installVerdict(undefined, version, waited);
      else if (!isNoAnswer(err) || waited > RECOVERY_LIMITS.giveUpMs) throw err;
    }
    if (verdict && verdict.state !== 'waiting') return verdict;
    show(verdict?.label ?? 'Connection lost; reconnecting');
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export function openLinks(ctx: AppContext, urls: string[], name: string): HTMLElement[] {
  return urls.map((u, i) =>
    h('a', { class: 'button primary', href: openableUrl(u, ctx.page), target: '_blank', rel: 'noopener', 'data-open': name }, urls.length > 1 ? `Open ${name} (${i + 1})` : `Open ${name}`),
  );
}

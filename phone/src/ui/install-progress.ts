// Runs a store install and shows it as a progress bar fed by the NDJSON lines; ends with an "Open" link.
import type { AppContext } from '../context.js';
import { openableUrl } from '../lib/app-link.js';
import { advance, initialProgress } from '../lib/progress.js';
import { clear, h } from './dom.js';

export async function installWithProgress(ctx: AppContext, id: string, name: string, host: HTMLElement): Promise<boolean> {
  clear(host);
  const bar = h('progress', { max: 100, value: 0, id: `progress-${id}`, 'aria-label': `Installing ${name}` });
  const label = h('p', { class: 'hint', 'aria-live': 'polite' }, 'Starting');
  host.append(bar, label);
  let p = initialProgress;
  try {
    const result = await ctx.client().installFromCatalog(id, (line) => {
      p = advance(p, line);
      bar.value = p.percent;
      label.textContent = `${p.label} (${p.percent}%)`;
    });
    p = advance(p, result);
  } catch (err) {
    clear(host);
    ctx.fail(err);
    return false;
  }
  clear(host);
  if (!p.ok) {
    host.append(h('p', { class: 'error-text', role: 'alert' }, `${name} could not be installed. ${p.message ?? ''}`.trim()));
    return false;
  }
  ctx.notify(`${name} is installed.`);
  host.append(h('p', { class: 'ok-text' }, `${name} is installed and running.`), ...openLinks(ctx, p.app?.urls ?? [], name));
  return true;
}

export function openLinks(ctx: AppContext, urls: string[], name: string): HTMLElement[] {
  return urls.map((u, i) =>
    h('a', { class: 'button primary', href: openableUrl(u, ctx.page), target: '_blank', rel: 'noopener', 'data-open': name }, urls.length > 1 ? `Open ${name} (${i + 1})` : `Open ${name}`),
  );
}

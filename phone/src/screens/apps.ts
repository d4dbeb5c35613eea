// Apps: what is installed, and start, stop, update, remove (with an explicit keep-data choice) and logs.
import type { AppStatus } from '../../../agent/src/client/index.js';
import type { StoreApp } from '../../../agent/src/client/device-client.js';
import type { AppContext } from '../context.js';
import { phaseLabel } from '../lib/format.js';
import { setAppPower } from '../lib/app-power.js';
import { removeApp } from '../lib/remove-app.js';
import { removeDialog } from '../ui/dialog.js';
import { clear, h } from '../ui/dom.js';
import { installWithProgress, openLinks } from '../ui/install-progress.js';
import { screen } from '../ui/shell.js';

export async function renderApps(ctx: AppContext, main: HTMLElement): Promise<void> {
  screen(main, 'Your apps');
  const c = ctx.client();
  // The store tells which apps have a newer version; a store problem must not hide the installed apps.
  const [apps, store] = await Promise.all([c.listApps(), c.catalog().catch(() => undefined)]);
  if (apps.length === 0) {
    main.append(h('p', {}, 'No apps yet.'), h('a', { class: 'button primary', href: '#/store' }, 'Browse the store'));
    return;
  }
  const latest = new Map((store?.apps ?? []).map((a: StoreApp) => [a.id, a.version]));
  const list = h('ul', { class: 'cards' });
  for (const app of apps) list.appendChild(appCard(ctx, app, latest.get(app.id), () => void renderApps(ctx, main).catch((e: unknown) => ctx.fail(e))));
  main.appendChild(list);
}

function appCard(ctx: AppContext, app: AppStatus, latest: string | undefined, refresh: () => void): HTMLElement {
  const area = h('div', { class: 'install-area' });
  const logs = h('div', { class: 'logs' });
  const act = (label: string, fn: () => Promise<unknown>, primary = false) =>
    h('button', {
      type: 'button',
      class: primary ? 'primary' : '',
      'data-action': label.toLowerCase(),
      onclick: (ev: Event) => {
        const b = ev.currentTarget as HTMLButtonElement;
        b.disabled = true;
        void fn().then(
          () => refresh(),
          (err: unknown) => {
            b.disabled = false;
            ctx.fail(err);
          },
        );
      },
    }, label);
  const stopped = app.desired === 'stopped';
  const buttons = h(
    'div',
    { class: 'row wrap' },
    ...(stopped ? [] : openLinks(ctx, app.urls, app.name)),
    stopped ? act('Start', () => setAppPower(ctx.client(), app.id, 'running'), true) : act('Stop', () => setAppPower(ctx.client(), app.id, 'stopped')),
    latest && latest !== app.version ? act(`Update`, () => installWithProgress(ctx, { id: app.id, name: app.name, version: latest }, area)) : null,
    h('button', { type: 'button', 'data-action': 'logs', onclick: () => void showLogs(ctx, app.id, logs) }, 'Logs'),
    act('Remove', async () => {
      const choice = await removeDialog(app.name);
      if (!choice) return;
      await removeApp(ctx.client(), app.id, choice.keepData);
      ctx.notify(choice.keepData ? `${app.name} was removed; its data was kept.` : `${app.name} and its data were removed.`);
    }),
  );
  return h(
    'li',
    { class: 'card', 'data-app': app.id },
    h('h2', {}, app.name),
    h('p', { class: `badge ${app.phase === 'running' ? 'ok' : app.phase === 'stopped' ? '' : 'warn'}` }, phaseLabel(app.phase)),
    h('p', { class: 'hint' }, `Version ${app.version}${latest && latest !== app.version ? ` (version ${latest} available)` : ''}`),
    app.error ? h('p', { class: 'error-text' }, app.error) : null,
    buttons,
    area,
    logs,
  );
}

async function showLogs(ctx: AppContext, id: string, host: HTMLElement): Promise<void> {
  try {
    const lines = await ctx.client().logs(id, { tail: 100 });
    clear(host);
    host.append(
      h('h3', {}, 'Recent log lines'),
      h('pre', { tabindex: 0, 'aria-label': 'Log lines' }, lines.length ? lines.map((l) => `${l.service}: ${l.text}`).join('\n') : 'Nothing logged yet.'),
    );
  } catch (err) {
    ctx.fail(err);
  }
}

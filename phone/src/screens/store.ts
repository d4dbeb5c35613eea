// Store: the device's signed catalog (checked on the device before it reaches the phone); install with progress.
import type { StoreApp } from '../../../agent/src/client/device-client.js';
import type { AppContext } from '../context.js';
import { h } from '../ui/dom.js';
import { installWithProgress } from '../ui/install-progress.js';
import { screen } from '../ui/shell.js';

export async function renderStore(ctx: AppContext, main: HTMLElement): Promise<void> {
  screen(main, 'App store');
  const catalog = await ctx.client().catalog();
  if (catalog.apps.length === 0) {
    main.appendChild(h('p', {}, 'The store is empty right now.'));
    return;
  }
  const list = h('ul', { class: 'cards' });
  for (const app of catalog.apps) list.appendChild(card(ctx, app));
  main.appendChild(list);
}

function card(ctx: AppContext, app: StoreApp): HTMLElement {
  const area = h('div', { class: 'install-area' });
  const upgrade = app.installed && app.installedVersion !== undefined && app.installedVersion !== app.version;
  const action = h(
    'button',
    { type: 'button', class: app.installed && !upgrade ? '' : 'primary', id: `install-${app.id}`, disabled: app.installed && !upgrade },
    app.installed ? (upgrade ? `Update to ${app.version}` : 'Installed') : 'Install',
  );
  action.addEventListener('click', () => {
    action.disabled = true;
    void installWithProgress(ctx, app, area).then((ok) => {
      action.textContent = ok ? 'Installed' : 'Try again';
      action.disabled = ok;
    });
  });
  return h(
    'li',
    { class: 'card', 'data-app': app.id },
    h('div', { class: 'card-head' }, h('img', { src: safeIcon(app.icon), alt: '', width: 48, height: 48 }), h('div', {}, h('h2', {}, app.name), h('p', { class: 'hint' }, `Version ${app.version}`))),
    app.description ? h('p', {}, app.description) : null,
    action,
    area,
  );
}

/** Icons in the signed index are data: URLs; anything else is not shown (no fetching from elsewhere). */
function safeIcon(icon: string | undefined): string {
  return icon && /^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/.test(icon) ? icon : '/icons/icon.svg';
}

// The phone app's entry: load the pairing from IndexedDB, build the context, route hash changes to screens,
// and register the service worker (the shell then opens offline and says the device is unreachable).
import { createContext, type AppContext } from './context.js';
import { UNREACHABLE } from './lib/errors.js';
import { indexedDbKeyStore } from './lib/key-store.js';
import { resolveRoute, type ScreenName } from './router.js';
import { renderApps } from './screens/apps.js';
import { renderClients } from './screens/clients.js';
import { renderDevice, renderUpdates } from './screens/device.js';
import { renderPair } from './screens/pair.js';
import { renderStore } from './screens/store.js';
import { h } from './ui/dom.js';
import { createShell, screen, type Shell } from './ui/shell.js';

const SCREENS: Record<Exclude<ScreenName, 'pair'>, (ctx: AppContext, main: HTMLElement) => Promise<void>> = {
  device: renderDevice,
  store: renderStore,
  apps: renderApps,
  clients: renderClients,
  updates: renderUpdates,
};

async function show(ctx: AppContext, shell: Shell): Promise<void> {
  const r = resolveRoute(location.hash, !!ctx.pairing);
  shell.clearError();
  shell.setNav(r.screen !== 'pair', r.route);
  document.body.dataset.screen = r.screen;
  if (r.screen === 'pair') {
    renderPair(ctx, shell.main, r.query);
    return;
  }
  try {
    await SCREENS[r.screen](ctx, shell.main);
  } catch (err) {
    if (isUnreachable(err)) {
      // A full reload on retry: it also picks up a newer app shell once the device answers again.
      offline(shell.main, () => location.reload());
      return;
    }
    if (isShutOut(err)) notPaired(ctx, shell.main);
    shell.fail(err);
  } finally {
    document.body.dataset.ready = r.screen;
  }
}

function isUnreachable(err: unknown): boolean {
  return err instanceof TypeError && /fetch|network|load failed/i.test(err.message);
}

/** 401/403 on an admin call: the device no longer accepts this phone's key (revoked, or the device was reset). */
function isShutOut(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  return status === 401 || status === 403;
}

function notPaired(ctx: AppContext, main: HTMLElement): void {
  screen(main, 'Not paired any more');
  main.append(
    h('p', {}, 'Your Hearth no longer accepts this phone. You can pair it again with the code on your Hearth (after a reset) or with an invite from a paired phone.'),
    h('button', { type: 'button', class: 'primary', id: 'pair-again', onclick: () => void ctx.forget().then(() => ctx.go('/pair')) }, 'Pair again'),
  );
}

function offline(main: HTMLElement, retry: () => void): void {
  screen(main, 'Device unreachable');
  main.append(h('p', { id: 'unreachable' }, UNREACHABLE), h('button', { type: 'button', class: 'primary', onclick: retry }, 'Try again'));
}

async function boot(): Promise<void> {
  const shell = createShell(document.getElementById('app') ?? document.body);
  const keys = indexedDbKeyStore();
  const pairing = await keys.load().catch(() => undefined);
  const ctx = createContext({ location, keys, pairing, notify: shell.notify, fail: shell.fail, clearError: shell.clearError });
  window.addEventListener('hashchange', () => void show(ctx, shell));
  await show(ctx, shell);
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch((err: unknown) => console.warn('hearth: service worker not registered', err));
  }
}

void boot();

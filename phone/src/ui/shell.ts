// The page frame: header, the screen area, a status line read out by screen readers, an error banner, and the
// bottom tab bar (thumb reach on a phone). Tabs are plain links to hash routes, so the back button works.
import { describeError, type ErrorContext } from '../lib/errors.js';
import { clear, h } from './dom.js';

export const TABS: Array<[route: string, label: string]> = [
  ['/device', 'Device'],
  ['/store', 'Store'],
  ['/apps', 'Apps'],
  ['/clients', 'Clients'],
  ['/updates', 'Updates'],
];

export interface Shell {
  main: HTMLElement;
  notify(message: string): void;
  fail(err: unknown, context?: ErrorContext): void;
  clearError(): void;
  setNav(visible: boolean, current: string): void;
}

export function createShell(root: HTMLElement): Shell {
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const error = h('div', { class: 'error', role: 'alert', hidden: true });
  const main = h('main', { id: 'main', tabindex: -1 });
  const nav = h('nav', { 'aria-label': 'Sections' });
  const list = h('ul');
  nav.appendChild(list);
  clear(root);
  root.append(
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h('header', {}, h('span', { class: 'brand' }, h('img', { src: '/icons/icon.svg', alt: '', width: 28, height: 28 }), 'Hearth')),
    error,
    main,
    status,
    nav,
  );
  let statusTimer: ReturnType<typeof setTimeout> | undefined;
  return {
    main,
    notify(message) {
      status.textContent = message;
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = setTimeout(() => (status.textContent = ''), 6000);
    },
    fail(err, context) {
      // The technical detail is for whoever opens the console; the owner gets a sentence.
      console.warn('hearth:', err);
      clear(error);
      error.append(h('p', {}, describeError(err, context)), h('button', { type: 'button', class: 'link', onclick: () => (error.hidden = true) }, 'Dismiss'));
      error.hidden = false;
    },
    clearError() {
      error.hidden = true;
    },
    setNav(visible, current) {
      nav.hidden = !visible;
      clear(list);
      for (const [route, label] of TABS) {
        const here = current === route || current.startsWith(`${route}/`);
        list.appendChild(h('li', {}, h('a', { href: `#${route}`, 'aria-current': here ? 'page' : undefined }, label)));
      }
    },
  };
}

/** Starts a screen: clears the area, puts a heading first and moves focus to it (screen readers announce it). */
export function screen(main: HTMLElement, title: string): HTMLElement {
  clear(main);
  const heading = h('h1', { tabindex: -1 }, title);
  main.appendChild(heading);
  heading.focus();
  return main;
}

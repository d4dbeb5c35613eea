// Modal questions with <dialog>: the browser traps focus, Escape cancels, and focus returns to the opener.
import { h } from './dom.js';

export function confirmDialog(title: string, text: string, okLabel: string): Promise<boolean> {
  return ask<boolean>(title, [h('p', {}, text)], okLabel, () => true, false);
}

/** Removing an app: the owner must choose, explicitly, whether its data is kept. Nothing is preselected. */
export function removeDialog(appName: string): Promise<{ keepData: boolean } | undefined> {
  const choice = (value: string, label: string, hint: string) =>
    h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'keep-data', value, required: true }), h('span', {}, label, h('small', {}, hint)));
  const group = h(
    'fieldset',
    {},
    h('legend', {}, 'What about its data?'),
    choice('keep', 'Keep the data', 'Reinstalling later brings everything back.'),
    choice('delete', 'Delete the data', 'Everything the app stored is erased. This cannot be undone.'),
  );
  return ask(`Remove ${appName}?`, [group], 'Remove', (form) => {
    const v = (form.elements.namedItem('keep-data') as RadioNodeList).value;
    return v ? { keepData: v === 'keep' } : undefined;
  }, undefined);
}

function ask<T>(title: string, body: Node[], okLabel: string, read: (form: HTMLFormElement) => T | undefined, cancelled: T): Promise<T> {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'submit', class: 'primary', value: 'ok' }, okLabel);
    const form = h('form', { method: 'dialog' }, h('h2', { id: 'dialog-title' }, title), ...body, h('div', { class: 'row' }, h('button', { type: 'button', value: 'cancel', onclick: () => dialog.close('cancel') }, 'Cancel'), ok));
    const dialog = h('dialog', { 'aria-labelledby': 'dialog-title' }, form);
    let result: T = cancelled;
    form.addEventListener('submit', (ev) => {
      const v = read(form);
      if (v === undefined) {
        ev.preventDefault();
        form.reportValidity();
        return;
      }
      result = v;
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'cancel' ? cancelled : result);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}

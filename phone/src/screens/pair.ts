// Pair: scan the QR (camera), paste the link, or type the 8-digit code; then confirm the device ID before the
// phone's key is made and pairing runs (SPAKE2, agent/src/client-auth/pair-client.ts).
import { generateClientKeyPair } from '../../../agent/src/client-auth/keys.js';
import { pairWithDevice } from '../../../agent/src/client-auth/pair-client.js';
import type { AppContext } from '../context.js';
import { OwnerMessage } from '../lib/errors.js';
import { credentialFor, parsePairInput, type PairInput } from '../lib/pair-input.js';
import { clear, facts, h } from '../ui/dom.js';
import { canScan, scanQr } from '../ui/scanner.js';
import { screen } from '../ui/shell.js';

interface PairInfo {
  deviceId: string;
  windowOpen: boolean;
}

export function renderPair(ctx: AppContext, main: HTMLElement, query: URLSearchParams): void {
  screen(main, 'Pair this phone');
  main.appendChild(
    h('p', {}, 'Your Hearth shows a QR code and an 8-digit code (on its screen, its sticker, or in its setup page). Only paired phones can manage it.'),
  );
  const input = h('input', { id: 'pair-input', name: 'pairing', type: 'text', autocomplete: 'off', autocapitalize: 'off', spellcheck: false, 'aria-describedby': 'pair-help' });
  const name = h('input', { id: 'pair-name', name: 'name', type: 'text', maxlength: 60, value: defaultName() });
  const step = h('div', { class: 'confirm-step' });
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h('label', { for: 'pair-input' }, 'Pairing code or link'),
    input,
    h('p', { id: 'pair-help', class: 'hint' }, 'Type the 8 digits, or paste the link that starts with hearth://'),
    h('label', { for: 'pair-name' }, 'Name for this phone'),
    name,
    h('button', { type: 'submit', class: 'primary' }, 'Continue'),
  );
  if (canScan()) {
    form.insertBefore(
      h('button', {
        type: 'button',
        onclick: () =>
          void scanQr(step).then(
            (text) => {
              if (text) {
                input.value = text;
                form.requestSubmit();
              }
            },
            (err: unknown) => ctx.fail(new OwnerMessage(`The camera could not be used (${(err as Error).name ?? 'denied'}). Paste the link or type the code instead.`)),
          ),
      }, 'Scan QR code'),
      form.firstChild,
    );
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void review(ctx, step, input.value, name.value);
  });
  main.append(form, step);
  const link = query.get('link');
  if (link) {
    input.value = link;
    void review(ctx, step, link, name.value);
  }
}

async function review(ctx: AppContext, step: HTMLElement, text: string, clientName: string): Promise<void> {
  clear(step);
  ctx.clearError();
  let input: PairInput;
  let info: PairInfo;
  try {
    input = parsePairInput(text);
    const res = await fetch(`${ctx.origin}/v1/pair/info`);
    if (!res.ok) throw Object.assign(new Error('pair info'), { status: res.status });
    info = (await res.json()) as PairInfo;
    if (input.kind === 'link' && input.payload.deviceId !== info.deviceId) {
      throw new OwnerMessage('This pairing code belongs to a different Hearth than the one this page is open on.');
    }
    if (!info.windowOpen && !(input.kind === 'link' && input.payload.inviteId)) {
      throw new OwnerMessage('This Hearth already has an owner. To add this phone, open Clients on a paired phone and create an invite.');
    }
  } catch (err) {
    ctx.fail(err, 'pair');
    return;
  }
  const confirm = h('button', { type: 'button', class: 'primary', id: 'pair-confirm' }, 'Pair with this Hearth');
  step.append(
    h('h2', { tabindex: -1 }, 'Is this your Hearth?'),
    h('p', {}, 'Check that this device ID matches the one shown by your Hearth.'),
    facts([['Device ID', h('code', { class: 'device-id' }, groupId(info.deviceId))]]),
    confirm,
  );
  (step.querySelector('h2') as HTMLElement).focus();
  confirm.addEventListener('click', () => {
    confirm.disabled = true;
    confirm.textContent = 'Pairing...';
    void pair(ctx, input, clientName).finally(() => {
      confirm.disabled = false;
      confirm.textContent = 'Pair with this Hearth';
    });
  });
}

async function pair(ctx: AppContext, input: PairInput, clientName: string): Promise<void> {
  try {
    const keyPair = await generateClientKeyPair(false);
    const r = await pairWithDevice({ baseUrl: ctx.origin, credential: credentialFor(input), keyPair, clientName: clientName.trim() || defaultName() });
    await ctx.setPairing({ deviceId: r.deviceId, clientId: r.clientId, devicePublicKey: r.devicePublicKey, keyPair, pairedAt: new Date().toISOString() });
    ctx.notify('Paired. This phone now manages your Hearth.');
    ctx.go('/device');
  } catch (err) {
    ctx.fail(err, 'pair');
  }
}

/** 26 characters are easier to compare in groups of 4 or 5. */
function groupId(id: string): string {
  return id.replace(/(.{5})(?=.)/g, '$1 ');
}

function defaultName(): string {
  const ua = navigator.userAgent;
  const kind = /iPhone/.test(ua) ? 'iPhone' : /iPad/.test(ua) ? 'iPad' : /Android/.test(ua) ? 'Android phone' : 'Phone';
  return `${kind} (${new Date().toLocaleDateString()})`;
}

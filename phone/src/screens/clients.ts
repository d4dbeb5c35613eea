// Clients: the phones and computers that can manage this Hearth; revoke one, invite another, or unpair this phone.
import type { PairedClient } from '../../../agent/src/client/device-client.js';
import type { AppContext } from '../context.js';
import { inviteLink } from '../lib/pair-input.js';
import { revokeClient } from '../lib/revoke-client.js';
import { confirmDialog } from '../ui/dialog.js';
import { clear, h } from '../ui/dom.js';
import { qrImage } from '../ui/qr.js';
import { screen } from '../ui/shell.js';

export async function renderClients(ctx: AppContext, main: HTMLElement): Promise<void> {
  screen(main, 'Paired phones and computers');
  const all = await ctx.client().clients();
  const me = ctx.pairing?.clientId;
  const list = h('ul', { class: 'cards' });
  for (const c of all.filter((x) => !x.revokedAt)) list.appendChild(clientCard(ctx, c, c.id === me, () => void renderClients(ctx, main).catch((e: unknown) => ctx.fail(e))));
  const invite = h('div', { class: 'invite', id: 'invite' });
  main.append(
    list,
    h('h2', {}, 'Add a phone or computer'),
    h('p', {}, 'Create a one-time invite (valid for 15 minutes) and open it on the new phone, or scan it with its camera.'),
    h('button', { type: 'button', class: 'primary', id: 'create-invite', onclick: () => void showInvite(ctx, invite) }, 'Create invite'),
    invite,
  );
}

function clientCard(ctx: AppContext, c: PairedClient, isMe: boolean, refresh: () => void): HTMLElement {
  const remove = h('button', { type: 'button', 'data-action': 'revoke' }, isMe ? 'Unpair this phone' : 'Remove access');
  remove.addEventListener('click', () => {
    void (async () => {
      const text = isMe
        ? 'This phone will no longer be able to manage your Hearth. You will need another paired phone, or a reset of the Hearth, to pair again.'
        : `${c.name} will no longer be able to manage your Hearth.`;
      if (!(await confirmDialog(isMe ? 'Unpair this phone?' : `Remove ${c.name}?`, text, isMe ? 'Unpair' : 'Remove'))) return;
      try {
        await revokeClient(ctx.client(), c.id);
        if (isMe) {
          await ctx.forget();
          ctx.go('/pair');
          return;
        }
        ctx.notify(`${c.name} can no longer manage your Hearth.`);
        refresh();
      } catch (err) {
        ctx.fail(err);
      }
    })();
  });
  return h(
    'li',
    { class: 'card', 'data-client': c.id },
    h('h3', {}, c.name, isMe ? h('span', { class: 'badge ok' }, ' This phone') : null),
    h('p', { class: 'hint' }, `Paired ${new Date(c.addedAt).toLocaleString()} (${c.via === 'invite' ? 'by invite' : 'with the device code'})`),
    remove,
  );
}

async function showInvite(ctx: AppContext, host: HTMLElement): Promise<void> {
  try {
    const inv = await ctx.client().createInvite();
    const link = inviteLink(ctx.origin, inv.url);
    clear(host);
    const text = h('textarea', { id: 'invite-link', readonly: true, rows: 4, 'aria-label': 'Invite link' });
    text.value = link;
    host.append(
      await qrImage(link, 'QR code of the invite link'),
      text,
      h('button', {
        type: 'button',
        onclick: () => void navigator.clipboard?.writeText(link).then(() => ctx.notify('Invite link copied.'), () => text.select()),
      }, 'Copy link'),
      h('p', { class: 'hint' }, `Works once, until ${new Date(inv.expiresAt).toLocaleTimeString()}.`),
    );
  } catch (err) {
    ctx.fail(err);
  }
}

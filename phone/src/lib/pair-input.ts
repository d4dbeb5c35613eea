// Pure: what the owner scanned, pasted or typed -> a pairing credential. Accepts the 8-digit code (spaces and
// dashes allowed), the device's hearth://pair link (QR sticker or invite), and the invite link this app makes
// (https://<device>/#/pair?link=<hearth link>), which a phone camera opens straight into the Pair screen.
import { parsePairingUrl, type PairingPayload } from '../../../agent/src/pairing/pairing-url.js';
import type { PairingCredential } from '../../../agent/src/client-auth/pair-client.js';
import { OwnerMessage } from './errors.js';

export type PairInput = { kind: 'code'; code: string } | { kind: 'link'; payload: PairingPayload };

export function parsePairInput(text: string): PairInput {
  const raw = text.trim();
  if (!raw) throw new OwnerMessage('Scan the QR code, paste the pairing link, or type the 8-digit code.');
  const digits = raw.replace(/[\s-]/g, '');
  if (/^\d+$/.test(digits)) {
    if (digits.length !== 8) throw new OwnerMessage(`The pairing code has 8 digits; you entered ${digits.length}.`);
    return { kind: 'code', code: digits };
  }
  const link = embeddedLink(raw);
  try {
    return { kind: 'link', payload: parsePairingUrl(link) };
  } catch {
    throw new OwnerMessage("That isn't a Hearth pairing link. Scan the QR code on your Hearth again, or type the 8-digit code.");
  }
}

/** The hearth:// link inside an app invite link, or the text itself. */
function embeddedLink(raw: string): string {
  if (/^hearth:/i.test(raw)) return raw;
  try {
    const u = new URL(raw);
    const hash = u.hash.replace(/^#\/?/, '');
    const q = hash.startsWith('pair?') ? new URLSearchParams(hash.slice(5)) : u.searchParams;
    return q.get('link') ?? raw;
  } catch {
    return raw;
  }
}

export function credentialFor(input: PairInput): PairingCredential {
  if (input.kind === 'code') return { mode: 'code', code: input.code };
  const p = input.payload;
  if (p.inviteId) return { mode: 'invite', inviteId: p.inviteId, secret: p.secret, expectedDeviceId: p.deviceId };
  return { mode: 'qr', secret: p.secret, expectedDeviceId: p.deviceId };
}

/** The link to share for an invite: opens this app's Pair screen with the invite filled in. */
export function inviteLink(origin: string, hearthUrl: string): string {
  return `${origin.replace(/\/+$/, '')}/#/pair?link=${encodeURIComponent(hearthUrl)}`;
}

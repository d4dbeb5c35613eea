// The QR payload: hearth://pair?v=1&d=<device id>&r=<host[:port]>&s=<secret base64url>[&i=<invite id>]
// Browser-safe (the phone parses what its camera read). Every field is checked; unknown versions are refused.
import { DEVICE_ID_PATTERN } from '../identity/device-id.js';
import { fromBase64Url, toBase64Url } from '../client-auth/encoding.js';

export interface PairingPayload {
  deviceId: string;
  /** Where the phone reaches the device: its name through the relay (`<id>.<zone>[:public port]`) or its LAN address. */
  relay: string;
  secret: Uint8Array;
  inviteId?: string;
}

const RELAY_PATTERN = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/;
export const INVITE_ID_PATTERN = /^[A-Za-z0-9_-]{16,32}$/;

export function buildPairingUrl(p: PairingPayload): string {
  const q = new URLSearchParams({ v: '1', d: p.deviceId, r: p.relay, s: toBase64Url(p.secret) });
  if (p.inviteId) q.set('i', p.inviteId);
  return `hearth://pair?${q.toString()}`;
}

export function parsePairingUrl(text: string): PairingPayload {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error('pairing code: not a URL');
  }
  if (url.protocol !== 'hearth:' || (url.hostname || url.pathname.replace(/^\/+/, '')) !== 'pair') {
    throw new Error('pairing code: not a hearth://pair link');
  }
  const q = url.searchParams;
  if (q.get('v') !== '1') throw new Error(`pairing code: unsupported version ${q.get('v') ?? '(none)'}`);
  const deviceId = q.get('d') ?? '';
  if (!DEVICE_ID_PATTERN.test(deviceId)) throw new Error('pairing code: device id (d) is malformed');
  const relay = q.get('r') ?? '';
  if (!RELAY_PATTERN.test(relay)) throw new Error('pairing code: relay address (r) is malformed');
  const secret = fromBase64Url(q.get('s') ?? '', 'pairing code secret (s)');
  if (secret.length < 16) throw new Error('pairing code: secret (s) is shorter than 128 bits');
  const inviteId = q.get('i') ?? undefined;
  if (inviteId !== undefined && !INVITE_ID_PATTERN.test(inviteId)) throw new Error('pairing code: invite id (i) is malformed');
  return { deviceId, relay, secret, ...(inviteId ? { inviteId } : {}) };
}

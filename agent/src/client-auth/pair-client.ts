// Client side of pairing (phone PWA and CLI; browser-safe). Runs SPAKE2 as role A against /v1/pair/start and
// /v1/pair/finish, checks the device's confirmation MAC and its identity signature BEFORE sending its own
// confirmation, and returns the device key to pin.
import { ed25519 } from '@noble/curves/ed25519.js';
import { startSpake2 } from '../pairing/spake2.js';
import { PAIRING_SUITE, pairingAad, pairingPasswordScalar, deviceProofMessage, type PairingMode } from '../pairing/protocol.js';
import { deviceIdFromPublicKey } from '../identity/device-id.js';
import { fromBase64Url, toBase64Url, utf8 } from './encoding.js';
import { exportPublicKeyRaw, clientIdFromPublicKey } from './keys.js';

export type PairingCredential =
  | { mode: 'code'; code: string }
  | { mode: 'qr'; secret: Uint8Array; expectedDeviceId: string }
  | { mode: 'invite'; inviteId: string; secret: Uint8Array; expectedDeviceId: string };

export interface PairOptions {
  /** e.g. https://<device>.relay.example or http://127.0.0.1:port */
  baseUrl: string;
  credential: PairingCredential;
  keyPair: CryptoKeyPair;
  clientName: string;
  fetch?: typeof fetch;
}

export interface PairResult {
  clientId: string;
  deviceId: string;
  /** The device's Ed25519 key (base64url): pin it, and refuse a device that later presents another. */
  devicePublicKey: string;
  /** SPAKE2 session key Ke (not needed by the current protocol; available for channel binding). */
  sessionKey: Uint8Array;
}

export class PairingFailed extends Error {
  override name = 'PairingFailed';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

async function post(f: typeof fetch, url: string, body: unknown): Promise<Record<string, string>> {
  const res = await f(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json().catch(() => ({}))) as Record<string, string>;
  if (!res.ok) throw new PairingFailed(`${url}: ${res.status} ${json.message ?? res.statusText}`, res.status);
  return json;
}

export async function pairWithDevice(opts: PairOptions): Promise<PairResult> {
  const f = opts.fetch ?? globalThis.fetch;
  const base = opts.baseUrl.replace(/\/+$/, '');
  const cred = opts.credential;
  const password = cred.mode === 'code' ? utf8(cred.code.trim()) : cred.secret;
  const inviteId = cred.mode === 'invite' ? cred.inviteId : undefined;
  const mode: PairingMode = cred.mode;
  const clientPublicKey = await exportPublicKeyRaw(opts.keyPair.publicKey);
  const spake = startSpake2({ suite: PAIRING_SUITE, role: 'A', w: pairingPasswordScalar(password), aad: pairingAad(mode, inviteId) });

  const start = await post(f, `${base}/v1/pair/start`, {
    v: 1,
    mode,
    ...(inviteId ? { inviteId } : {}),
    clientPublicKey: toBase64Url(clientPublicKey),
    clientName: opts.clientName,
    pA: toBase64Url(spake.message),
  });
  const devicePublicKey = fromBase64Url(start.devicePublicKey ?? '', 'devicePublicKey');
  const deviceId = deviceIdFromPublicKey(devicePublicKey);
  if (start.deviceId !== deviceId) throw new PairingFailed('device id does not match the device key');
  if (cred.mode !== 'code' && cred.expectedDeviceId !== deviceId) {
    throw new PairingFailed(`this is not the device in the QR code (expected ${cred.expectedDeviceId}, got ${deviceId})`);
  }
  const keys = spake.finish(fromBase64Url(start.pB ?? '', 'pB'), { idA: clientPublicKey, idB: devicePublicKey });
  if (!keys.verifyPeer(fromBase64Url(start.cB ?? '', 'cB'))) {
    throw new PairingFailed('pairing failed: the code does not match (device confirmation refused)');
  }
  const signature = fromBase64Url(start.deviceSignature ?? '', 'deviceSignature');
  if (!ed25519.verify(signature, deviceProofMessage(keys.transcript), devicePublicKey)) {
    throw new PairingFailed('device identity signature is invalid');
  }
  const finish = await post(f, `${base}/v1/pair/finish`, { sessionId: start.sessionId, cA: toBase64Url(keys.confirmation) });
  const clientId = clientIdFromPublicKey(clientPublicKey);
  if (finish.clientId !== clientId || finish.deviceId !== deviceId) throw new PairingFailed('device answered with unexpected ids');
  return { clientId, deviceId, devicePublicKey: toBase64Url(devicePublicKey), sessionKey: keys.Ke };
}

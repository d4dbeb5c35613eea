// The Hearth pairing protocol's shared definitions (device and phone both import this; browser-safe).
// SPAKE2 roles: A = the client (phone/CLI), B = the device. Transcript identities: idA = the client's raw
// P-256 public key, idB = the device's Ed25519 public key, so the key-confirmation MACs authenticate both
// keys: the device learns an owner key only from someone who knew the password, and the phone pins the
// device key it confirmed. AAD binds the pairing mode (and invite id), so a code run cannot pass as a QR run.
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { utf8 } from '../client-auth/encoding.js';
import { EDWARDS25519, passwordToScalar } from './spake2.js';

export const PAIRING_PROTOCOL_VERSION = 1;
export type PairingMode = 'code' | 'qr' | 'invite';

export const PAIRING_SUITE = EDWARDS25519;

export function pairingAad(mode: PairingMode, inviteId?: string): Uint8Array {
  return utf8(`hearth-pair-v1\nmode=${mode}\ninvite=${inviteId ?? ''}`);
}

/** Code mode: the 8 digits as typed. QR and invite modes: the 128+-bit secret bytes themselves. */
export function pairingPasswordScalar(password: Uint8Array): bigint {
  return passwordToScalar(password, PAIRING_SUITE.name, PAIRING_SUITE.order);
}

/** What the device signs with its identity key: proves it holds the key it asks the phone to pin. */
export function deviceProofMessage(transcript: Uint8Array): Uint8Array {
  return concatBytes(utf8('hearth-pair-v1 device proof\n'), sha256(transcript));
}

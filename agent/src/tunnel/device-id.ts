// The tunnel (and the relay, which imports this path) names devices by the ID the identity module defines, derived
// from the Ed25519 public key so that a relay checks a claimed ID by checking a signature. One definition only.
export { deviceIdFromPublicKey, DEVICE_ID_PATTERN } from '../identity/device-id.js';
export { toBase32 as base32Lower } from '../client-auth/encoding.js';

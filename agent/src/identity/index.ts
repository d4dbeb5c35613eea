// Device identity (Ed25519), device ID (shared with the relay) and the pairing secret / short code.
export { loadOrCreateDeviceIdentity, DeviceIdentityError, type DeviceIdentity } from './device-identity.js';
export { deviceIdFromPublicKey, DEVICE_ID_PATTERN } from './device-id.js';
export { loadOrCreatePairingSecret, shortCodeFromSecret } from './pairing-secret.js';

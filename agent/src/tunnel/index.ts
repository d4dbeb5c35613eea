// The device's tunnel to its relays: TunnelClient emits incoming streams as Duplex + { kind, serverName, remoteAddress }.
export { TunnelClient, type TunnelClientOptions } from './client.js';
export { deviceIdFromPublicKey, DEVICE_ID_PATTERN } from './device-id.js';
export { RelayRefusedError, type DeviceKeyPair } from './login.js';
export { defaultNames, type StreamMeta } from './protocol.js';
export type { LinkStatus } from './relay-link.js';

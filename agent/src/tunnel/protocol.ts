// The tunnel login, shared by the relay (verifier) and the device (signer). The relay sends a random nonce and its
// own name; the device signs nonce || relay name || timestamp (u64 BE, ms) with its Ed25519 key. Binding the relay
// name stops a hostile relay from replaying a login to another relay; the nonce and the timestamp window stop replay.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const TUNNEL_ALPN = 'hearth-tunnel/1';
export const PROTOCOL_VERSION = 1;
export const NONCE_BYTES = 32;
export const MAX_CUSTOM_DOMAINS = 32;

const Base64 = Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', maxLength: 256 });
const DomainName = Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$' });

export const Challenge = Type.Object({
  t: Type.Literal('challenge'), v: Type.Literal(PROTOCOL_VERSION), nonce: Base64, relay: Type.String({ minLength: 1, maxLength: 253 }),
}, { additionalProperties: false });
export type Challenge = Static<typeof Challenge>;

export const Hello = Type.Object({
  t: Type.Literal('hello'),
  v: Type.Literal(PROTOCOL_VERSION),
  publicKey: Base64,
  timestamp: Type.Integer({ minimum: 0 }),
  signature: Base64,
  domains: Type.Array(DomainName, { maxItems: MAX_CUSTOM_DOMAINS }),
}, { additionalProperties: false });
export type Hello = Static<typeof Hello>;

export const Rejection = Type.Object({ name: Type.String({ maxLength: 253 }), reason: Type.String({ maxLength: 200 }) }, { additionalProperties: false });
export type Rejection = Static<typeof Rejection>;

export const Welcome = Type.Object({
  t: Type.Literal('welcome'),
  deviceId: Type.String({ pattern: '^[a-z2-7]{26}$' }),
  names: Type.Array(Type.String({ maxLength: 253 }), { maxItems: 2 + MAX_CUSTOM_DOMAINS }),
  rejected: Type.Array(Rejection, { maxItems: MAX_CUSTOM_DOMAINS + 2 }),
  /** Offered when the relay accepts data connections (data-conn-protocol.ts) on `port` of the tunnel's host. */
  data: Type.Optional(Type.Object({
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    sid: Type.String({ pattern: '^[A-Za-z0-9+/]{22}==$' }),
    secret: Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$' }),
  }, { additionalProperties: false })),
}, { additionalProperties: false });
export type Welcome = Static<typeof Welcome>;

export const Refusal = Type.Object({ t: Type.Literal('error'), code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 300 }) }, { additionalProperties: false });
export type Refusal = Static<typeof Refusal>;

export const ServerReply = Type.Union([Welcome, Refusal]);

/** Names a device is served under on a relay by default: its own label and every app below it. */
export function defaultNames(deviceId: string, zone: string): string[] {
  return [`${deviceId}.${zone}`, `*.${deviceId}.${zone}`];
}

export function signedPayload(nonce: Uint8Array, relayName: string, timestampMs: number): Uint8Array {
  const name = Buffer.from(relayName, 'utf8');
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(timestampMs));
  return Buffer.concat([nonce, name, ts]);
}

/** Schema check with an error that names the first offending field. */
export function parseMessage<T>(schema: Parameters<typeof Value.Check>[0], value: unknown, what: string): T {
  if (Value.Check(schema, value)) return value as T;
  const first = Value.Errors(schema, value).First();
  throw new Error(`invalid ${what}: ${first ? `${first.path || '/'} ${first.message}` : 'does not match schema'}`);
}

/** Stream metadata every device-side stream carries. */
export interface StreamMeta {
  kind: 'tls' | 'http';
  serverName: string;
  remoteAddress: string;
  /** Set by the device when the client came over a data connection (plain TCP) rather than inside the tunnel. */
  dataConnection?: boolean;
}

/** HTTP/2 request headers the relay uses to open a stream (a CONNECT to the served name). */
export const HEADER_KIND = 'hearth-kind';
export const HEADER_REMOTE = 'hearth-remote-address';

// Relay configuration: a YAML or JSON file validated with TypeBox, merged over embedded defaults. Errors name the
// offending field so a bad config fails at start, not on the first client.
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import YAML from 'yaml';

const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const Bucket = Type.Object({ capacity: Type.Integer({ minimum: 1 }), refillPerSecond: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false });

export const RelayConfigSchema = Type.Object({
  relayName: Type.String({ minLength: 1, maxLength: 253, description: 'name devices sign their login against (the tunnel endpoint host)' }),
  zone: Type.String({ minLength: 1, maxLength: 200, description: 'devices are served at <device id>.<zone>' }),
  listen: Type.Object({
    host: Type.String(),
    https: Port,
    http: Type.Union([Port, Type.Null()]),
    tunnel: Port,
  }, { additionalProperties: false }),
  tunnelTls: Type.Object({ cert: Type.String({ minLength: 1 }), key: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  dataConnections: Type.Object({
    enabled: Type.Boolean({ description: 'let devices carry TLS clients on plain TCP connections to the public port' }),
    advertisePort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'public port as devices reach it; default: the bound https port' })),
  }, { additionalProperties: false }),
  dnsResolver: Type.Optional(Type.String({ description: 'host:port of the DNS server for custom-domain TXT checks' })),
  limits: Type.Object({
    clientHelloBytes: Type.Integer({ minimum: 512, maximum: 65536 }),
    clientHelloTimeoutMs: Type.Integer({ minimum: 100 }),
    maxClientConnections: Type.Integer({ minimum: 1 }),
    maxStreamsPerDevice: Type.Integer({ minimum: 1 }),
    maxSparesPerDevice: Type.Integer({ minimum: 0, maximum: 64 }),
    clientIdleTimeoutMs: Type.Integer({ minimum: 1000 }),
    maxTunnels: Type.Integer({ minimum: 1 }),
    loginTimeoutMs: Type.Integer({ minimum: 100 }),
    maxPendingLogins: Type.Integer({ minimum: 1, description: 'tunnel-port connections still logging in at once' }),
    maxClockSkewMs: Type.Integer({ minimum: 1000 }),
    keepaliveIntervalMs: Type.Integer({ minimum: 100 }),
    keepaliveTimeoutMs: Type.Integer({ minimum: 100 }),
    streamWindowBytes: Type.Integer({ minimum: 65535, maximum: 2 ** 31 - 1 }),
    sessionWindowBytes: Type.Integer({ minimum: 65535, maximum: 2 ** 31 - 1 }),
    loginsPerIp: Bucket,
    loginsPerDevice: Bucket,
  }, { additionalProperties: false }),
  cluster: Type.Optional(Type.Object({
    nodeId: Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,64}$' }),
    redisUrl: Type.String({ pattern: '^redis://' }),
    forwardListen: Type.Object({ host: Type.String(), port: Port }, { additionalProperties: false }),
    /** host:port other nodes use to reach this node's forward port; defaults to the bound address. */
    forwardAdvertise: Type.Optional(Type.String()),
    secret: Type.String({ minLength: 16 }),
    routeTtlMs: Type.Integer({ minimum: 1000 }),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

export type RelayConfig = Static<typeof RelayConfigSchema>;

export const DEFAULT_LIMITS: RelayConfig['limits'] = {
  clientHelloBytes: 16 * 1024,
  clientHelloTimeoutMs: 5000,
  maxClientConnections: 20_000,
  maxStreamsPerDevice: 512,
  maxSparesPerDevice: 4,
  clientIdleTimeoutMs: 10 * 60_000,
  maxTunnels: 100_000,
  loginTimeoutMs: 10_000,
  maxPendingLogins: 1000,
  maxClockSkewMs: 5 * 60_000,
  keepaliveIntervalMs: 15_000,
  keepaliveTimeoutMs: 10_000,
  streamWindowBytes: 1024 * 1024,
  sessionWindowBytes: 16 * 1024 * 1024,
  loginsPerIp: { capacity: 20, refillPerSecond: 1 },
  loginsPerDevice: { capacity: 10, refillPerSecond: 0.2 },
};

export const DEFAULTS = {
  listen: { host: '0.0.0.0', https: 443, http: 80, tunnel: 8443 },
  dataConnections: { enabled: true },
  limits: DEFAULT_LIMITS,
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || typeof over !== 'object' || over === null || Array.isArray(over)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
  return out;
}

export function resolveConfig(input: unknown): RelayConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('relay config must be an object');
  const merged = merge(structuredClone(DEFAULTS), input);
  if (!Value.Check(RelayConfigSchema, merged)) {
    const first = Value.Errors(RelayConfigSchema, merged).First();
    throw new Error(`invalid relay config at ${first?.path || '/'}: ${first?.message ?? 'does not match schema'}`);
  }
  return merged;
}

export function buildConfig(partial: DeepPartial<RelayConfig> & Pick<RelayConfig, 'relayName' | 'zone' | 'tunnelTls'>): RelayConfig {
  return resolveConfig(partial);
}

export async function loadConfigFile(path: string): Promise<RelayConfig> {
  const text = await readFile(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = path.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new Error(`cannot parse relay config ${path}: ${(err as Error).message}`);
  }
  return resolveConfig(parsed);
}

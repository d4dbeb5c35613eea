// The agent's configuration: one JSON file (HEARTH_CONFIG, default /etc/hearth/agent.json), validated, with
// defaults for everything so a bare device needs none.
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Listen = Type.Object({ host: Type.String(), port: Type.Integer({ minimum: 0, maximum: 65535 }) });

export const AgentConfigSchema = Type.Object(
  {
    dataDir: Type.String({ default: '/data/hearth' }),
    deviceDomain: Type.String({ default: 'hearth.local', pattern: '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$' }),
    engine: Type.Object(
      {
        /** podman's Docker-compatible socket by default; dockerd's /run/docker.sock works too. */
        socketPath: Type.String({ default: '/run/podman/podman.sock' }),
        /** Label value marking what this agent owns; only tests and demos sharing one engine change it. */
        scope: Type.String({ default: 'device', pattern: '^[a-zA-Z0-9_.-]{1,64}$' }),
      },
      { default: {}, additionalProperties: false },
    ),
    api: Type.Object(
      {
        socketPath: Type.String({ default: '/run/hearth/agent.sock' }),
        /** Loopback TCP for development and tests; never bind it to a public address on a real device. */
        tcp: Type.Optional(Listen),
      },
      { default: {}, additionalProperties: false },
    ),
    ingress: Type.Object(
      { host: Type.String({ default: '0.0.0.0' }), port: Type.Integer({ minimum: 0, maximum: 65535, default: 80 }) },
      { default: {}, additionalProperties: false },
    ),
    /** Pairing: where the flasher/cloud-init may leave the secret, and the physical-reset marker (boot partition). */
    pairing: Type.Object(
      {
        secretFile: Type.String({ default: '/boot/firmware/hearth-pairing-secret' }),
        resetMarker: Type.String({ default: '/boot/firmware/hearth-reset-pairing' }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Relay tunnel: the device's names become `<device id>.<zone>` and `*.<device id>.<zone>`. */
    relay: Type.Optional(
      Type.Object(
        {
          urls: Type.Array(Type.String({ pattern: '^(tls|wss)://' }), { minItems: 1 }),
          zone: Type.String({ pattern: '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$' }),
          /** Extra CA for relay endpoints (private relays, tests). */
          caFile: Type.Optional(Type.String()),
          /** The relay's public HTTPS port, where phones reach the device (443 in production; the demo uses 8443). */
          publicPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
          /** Owner domains to claim (each proven by a `_hearth.<domain>` TXT record). */
          domains: Type.Optional(Type.Array(Type.String())),
        },
        { additionalProperties: false },
      ),
    ),
    /** Certificates from ACME for the device's names, served through the tunnel and on the LAN. */
    tls: Type.Optional(
      Type.Object(
        {
          acmeDirectoryUrl: Type.String({ default: 'https://acme-v02.api.letsencrypt.org/directory' }),
          /** Trust anchor for a private ACME server's own HTTPS (Pebble in tests). */
          acmeCaFile: Type.Optional(Type.String()),
          email: Type.Optional(Type.String()),
          /** LAN HTTPS listener (0 = none). */
          localPort: Type.Integer({ minimum: 0, maximum: 65535, default: 443 }),
          localHost: Type.String({ default: '0.0.0.0' }),
        },
        { additionalProperties: false },
      ),
    ),
    /** The app store: a signed catalog (catalog/ builds one) and its Ed25519 public key (base64url or hex). */
    catalog: Type.Optional(Type.Object({ url: Type.String({ pattern: '^https?://' }), publicKey: Type.String() }, { additionalProperties: false })),
    /** The phone app's static files (phone/dist), served at https://<device domain>/. */
    phoneDir: Type.Optional(Type.String()),
    reconcileIntervalMs: Type.Integer({ minimum: 100, default: 5_000 }),
    diskReserveMb: Type.Integer({ minimum: 0, default: 256 }),
    stopTimeoutSeconds: Type.Integer({ minimum: 0, default: 10 }),
    maxUpdateFailures: Type.Integer({ minimum: 1, default: 3 }),
    logLevel: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info' }),
  },
  { additionalProperties: false },
);

export type AgentConfig = Static<typeof AgentConfigSchema>;

/** Applies defaults and validates; throws an error naming every bad field. */
export function parseConfig(raw: unknown, source = 'config'): AgentConfig {
  const withDefaults = Value.Default(AgentConfigSchema, structuredClone(raw ?? {}));
  if (!Value.Check(AgentConfigSchema, withDefaults)) {
    const problems = [...Value.Errors(AgentConfigSchema, withDefaults)].map((e) => `${e.path || '/'}: ${e.message}`);
    throw new Error(`${source} is not a valid agent configuration:\n  ${problems.join('\n  ')}`);
  }
  return withDefaults as AgentConfig;
}

export async function loadConfig(path: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return parseConfig({}, path);
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  return parseConfig(raw, path);
}

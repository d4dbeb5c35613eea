// TunnelClient: keeps one tunnel per configured relay (a device may be reachable through several) and hands every
// incoming stream to the device as a Duplex with { kind, serverName, remoteAddress }: 'tls' streams go to the
// device's TLS terminator, 'http' streams (port-80 ACME passthrough) to its HTTP handler.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { deviceIdFromPublicKey } from './device-id.js';
import type { DeviceKeyPair } from './login.js';
import type { StreamMeta } from './protocol.js';
import { RelayLink, type LinkStatus } from './relay-link.js';
import { parseRelayUrl } from './transport.js';

export interface TunnelClientOptions {
  /** `tls://relay.example.net:8443` or `wss://relay.example.net/v1/tunnel`. */
  relays: string[];
  keyPair: DeviceKeyPair;
  /** Custom domains to claim (each needs `_hearth.<domain>` TXT `hearth-device=<id>`). */
  domains?: string[];
  logger: Logger;
  clock?: { now(): number };
  random?: () => number;
  /** Extra CA certificates for relay endpoints (tests, private relays). */
  ca?: string | Buffer | Array<string | Buffer>;
  backoff?: Partial<BackoffOptions>;
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveTimeoutMs?: number;
  maxStreams?: number;
  /** Spare data connections per relay: kept when idle (default 1) and while clients arrive (default 4; 0 = none),
   * which lasts `busyMs` (default 30 s) after the last TLS client. */
  dataSpares?: { min?: number; max?: number; busyMs?: number };
}

export class TunnelClient extends EventEmitter<{ stream: [Duplex, StreamMeta]; up: [LinkStatus]; down: [LinkStatus] }> {
  readonly deviceId: string;
  private readonly links: RelayLink[];
  private started = false;

  constructor(options: TunnelClientOptions) {
    super();
    if (options.relays.length === 0) throw new Error('TunnelClient needs at least one relay URL');
    if (options.keyPair.secretKey.length !== 32) throw new Error('device secret key must be a 32-byte Ed25519 seed');
    this.deviceId = deviceIdFromPublicKey(options.keyPair.publicKey);
    const clock = options.clock ?? { now: () => Date.now() };
    const domains = [...new Set((options.domains ?? []).map((d) => d.toLowerCase()))];
    this.links = options.relays.map((url) => {
      const link = new RelayLink(parseRelayUrl(url), {
        keyPair: options.keyPair,
        domains,
        log: options.logger,
        now: () => clock.now(),
        random: options.random ?? Math.random,
        ca: options.ca,
        backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
        connectTimeoutMs: options.connectTimeoutMs ?? 5000,
        keepaliveIntervalMs: options.keepaliveIntervalMs ?? 10_000,
        keepaliveTimeoutMs: options.keepaliveTimeoutMs ?? 5000,
        maxStreams: options.maxStreams ?? 2048,
        dataSpares: { min: options.dataSpares?.min ?? 1, max: options.dataSpares?.max ?? 4, busyMs: options.dataSpares?.busyMs ?? 30_000 },
      });
      link.on('stream', (stream, meta) => this.emit('stream', stream, meta));
      link.on('up', (s) => this.emit('up', s));
      link.on('down', (s) => this.emit('down', s));
      return link;
    });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const link of this.links) link.start();
  }

  stop(): void {
    for (const link of this.links) link.stop();
  }

  status(): LinkStatus[] {
    return this.links.map((l) => l.snapshot());
  }
}

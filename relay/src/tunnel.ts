// The relay's end of one device tunnel: an HTTP/2 client session over the device's outbound connection. The device is
// the HTTP/2 server, so each client connection becomes one CONNECT stream opened by the relay; HTTP/2 gives each
// stream its own flow-control window, so one slow download cannot stall the device's other streams.
import { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { HEADER_KIND, HEADER_REMOTE, type StreamMeta } from '../../agent/src/tunnel/protocol.js';
import type { SpareConnections } from './data-conns.js';
import { splice } from './splice.js';

export interface TunnelLimits {
  maxStreams: number;
  keepaliveIntervalMs: number;
  keepaliveTimeoutMs: number;
  streamWindowBytes: number;
  sessionWindowBytes: number;
}

export class TunnelClosedError extends Error {}

export class DeviceTunnel extends EventEmitter<{ close: [] }> {
  private readonly session: http2.ClientHttp2Session;
  private streams = 0;
  private closed = false;
  private readonly keepalive: NodeJS.Timeout;

  constructor(
    readonly deviceId: string,
    readonly names: readonly string[],
    transport: Duplex,
    readonly remoteAddress: string,
    private readonly limits: TunnelLimits,
    private readonly log: Logger,
    /** The session's data connections, when the relay offers them; TLS clients use one of these before a stream. */
    private readonly spares?: SpareConnections,
  ) {
    super();
    this.session = http2.connect('http://device.invalid', {
      createConnection: () => transport,
      // maxFrameSize only allows the peer to send larger frames: Node's HTTP/2 (Node 20) sends DATA frames of at most
      // 16 KiB whatever the peer advertises (checked with NODE_DEBUG_NATIVE=HTTP2SESSION), so the device never does.
      settings: { initialWindowSize: limits.streamWindowBytes, maxFrameSize: 256 * 1024, enablePush: false },
      maxSessionMemory: 64,
    });
    this.session.on('connect', () => this.session.setLocalWindowSize(limits.sessionWindowBytes));
    this.session.on('error', (err) => this.log.debug({ err: err.message }, 'tunnel session error'));
    this.session.on('close', () => this.shutdown('session closed'));
    this.session.on('goaway', () => this.shutdown('device sent GOAWAY'));
    this.keepalive = setInterval(() => this.ping(), limits.keepaliveIntervalMs);
    this.keepalive.unref();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  get activeStreams(): number {
    return this.streams;
  }

  /** Connections this tunnel's device served over data connections rather than tunnel streams. */
  dataStreams = 0;

  /**
   * Joins one client connection to the device: over a spare data connection when one is ready (TLS clients only:
   * port-80 requests are plaintext and ACME validations must not be answerable from the device's path, so both stay
   * inside the tunnel's TLS), else over a new tunnel stream.
   * Throws when over the stream cap.
   */
  open(meta: StreamMeta, client: Duplex, initial: Buffer | undefined, dataConnectionOk = false): void {
    if (this.closed) throw new TunnelClosedError('tunnel closed');
    if (this.streams >= this.limits.maxStreams) throw new Error(`device ${this.deviceId} is at its cap of ${this.limits.maxStreams} streams`);
    const spare = meta.kind === 'tls' && dataConnectionOk ? this.spares?.take(meta) : undefined;
    if (spare) {
      this.streams++;
      this.dataStreams++;
      splice(client, spare, initial, () => {
        this.streams--;
      });
      return;
    }
    const stream = this.session.request(
      { ':method': 'CONNECT', ':authority': `${meta.serverName}:${meta.kind === 'tls' ? 443 : 80}`, [HEADER_KIND]: meta.kind, [HEADER_REMOTE]: meta.remoteAddress },
      { endStream: false },
    );
    this.streams++;
    stream.on('response', (headers) => {
      if (headers[':status'] !== 200) stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    });
    splice(client, stream, initial, () => {
      this.streams--;
    });
  }

  close(reason: string): void {
    this.shutdown(reason);
  }

  private ping(): void {
    if (this.closed) return;
    const timer = setTimeout(() => this.shutdown('keepalive timeout'), this.limits.keepaliveTimeoutMs);
    try {
      this.session.ping((err) => {
        clearTimeout(timer);
        if (err) this.shutdown(`keepalive failed: ${err.message}`);
      });
    } catch (err) {
      clearTimeout(timer);
      this.shutdown(`keepalive failed: ${(err as Error).message}`);
    }
  }

  private shutdown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    this.spares?.close();
    this.log.info({ deviceId: this.deviceId, reason }, 'tunnel closed');
    this.session.destroy();
    this.emit('close');
  }
}

// One device → relay connection kept alive forever: connect, log in, serve the relay's HTTP/2 streams, and on any
// failure reconnect after a jittered back-off. Keepalive pings detect a dead path (a cut link sends no RST), so the
// tunnel is rebuilt within a few seconds of the network coming back.
import { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { withBufferWrites } from './buffer-writes.js';
import { DataConnPool } from './data-conns.js';
import { deviceLogin, type DeviceKeyPair } from './login.js';
import { HEADER_KIND, HEADER_REMOTE, type Rejection, type StreamMeta } from './protocol.js';
import { openTransport, type RelayEndpoint } from './transport.js';

export interface LinkOptions {
  keyPair: DeviceKeyPair;
  domains: string[];
  log: Logger;
  now: () => number;
  random: () => number;
  ca?: string | Buffer | Array<string | Buffer>;
  backoff: BackoffOptions;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveTimeoutMs: number;
  maxStreams: number;
  /** Spare data connections to keep when the relay offers them, idle and busy; max 0 = every stream in the tunnel. */
  dataSpares: { min: number; max: number; busyMs: number };
}

export interface LinkStatus {
  relay: string;
  connected: boolean;
  names: string[];
  rejected: Rejection[];
  lastError?: string;
  /** This session's data connections: streams that used one, spares ready, and whether dialing gave up. */
  data?: { used: number; spares: number; disabled: boolean };
}

const NAME = /^[a-z0-9.*-]{1,253}$/;

export class RelayLink extends EventEmitter<{ stream: [Duplex, StreamMeta]; up: [LinkStatus]; down: [LinkStatus] }> {
  private stopped = false;
  private attempt = 0;
  private session?: http2.ServerHttp2Session;
  private dataPool?: DataConnPool;
  private transport?: Duplex;
  private retryTimer?: NodeJS.Timeout;
  private wake?: () => void;
  readonly status: LinkStatus;

  constructor(private readonly endpoint: RelayEndpoint, private readonly options: LinkOptions) {
    super();
    this.status = { relay: endpoint.url, connected: false, names: [], rejected: [] };
  }

  snapshot(): LinkStatus {
    const pool = this.dataPool;
    return { ...this.status, data: pool && { used: pool.used, spares: pool.spareCount, disabled: pool.disabled } };
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.session?.destroy();
    this.transport?.destroy();
    this.dataPool?.stop();
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.runOnce();
      } catch (err) {
        this.status.lastError = (err as Error).message;
        this.options.log.warn({ relay: this.endpoint.url, err: this.status.lastError }, 'tunnel attempt failed');
      }
      if (this.status.connected) {
        this.status.connected = false;
        this.emit('down', this.snapshot());
      }
      if (this.stopped) break;
      const delay = backoffDelay(this.attempt++, this.options.backoff, this.options.random);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.retryTimer = setTimeout(resolve, delay);
      });
    }
  }

  /** One connection's lifetime; resolves when it ends. */
  private async runOnce(): Promise<void> {
    const o = this.options;
    const transport = await openTransport(this.endpoint, { ca: o.ca, connectTimeoutMs: o.connectTimeoutMs });
    this.transport = transport;
    if (this.stopped) return void transport.destroy();
    let welcome;
    try {
      welcome = await deviceLogin(transport, this.endpoint.host, o.keyPair, o.domains, o.now(), o.connectTimeoutMs * 2);
    } catch (err) {
      transport.destroy();
      throw err;
    }
    const session = http2.performServerHandshake(transport, {
      settings: { initialWindowSize: 1024 * 1024, maxFrameSize: 256 * 1024, maxConcurrentStreams: o.maxStreams, enablePush: false },
      maxSessionMemory: 64,
    });
    this.session = session;
    session.on('error', (err) => o.log.debug({ err: err.message }, 'tunnel session error'));
    session.on('stream', (stream, headers) => this.onStream(stream, headers));
    const pinger = setInterval(() => this.ping(session), o.keepaliveIntervalMs);
    this.attempt = 0;
    Object.assign(this.status, { connected: true, names: welcome.names, rejected: welcome.rejected, lastError: undefined });
    o.log.info({ relay: this.endpoint.url, deviceId: welcome.deviceId, names: welcome.names, rejected: welcome.rejected }, 'tunnel up');
    this.dataPool = undefined;
    if (welcome.data && o.dataSpares.max > 0) {
      this.dataPool = new DataConnPool({
        host: this.endpoint.host,
        port: welcome.data.port,
        sid: Buffer.from(welcome.data.sid, 'base64'),
        secret: Buffer.from(welcome.data.secret, 'base64'),
        minSpares: Math.min(o.dataSpares.min, o.dataSpares.max),
        maxSpares: o.dataSpares.max,
        busyMs: o.dataSpares.busyMs,
        connectTimeoutMs: o.connectTimeoutMs,
        log: o.log,
        onStream: (socket, meta) => this.emit('stream', socket, meta),
      });
      this.dataPool.start();
    }
    this.emit('up', this.snapshot());
    try {
      session.setLocalWindowSize(16 * 1024 * 1024);
    } catch {
      // the session may already be closing; the close handler below ends this attempt
    }
    await new Promise<void>((resolve) => {
      if (session.closed || session.destroyed || this.stopped) return resolve();
      session.once('close', resolve);
      transport.once('close', () => session.destroy());
    });
    clearInterval(pinger);
    this.dataPool?.stop();
    transport.destroy();
    this.session = undefined;
  }

  private ping(session: http2.ServerHttp2Session): void {
    const timer = setTimeout(() => {
      this.options.log.info({ relay: this.endpoint.url }, 'tunnel keepalive timed out');
      session.destroy();
    }, this.options.keepaliveTimeoutMs);
    try {
      const sent = session.ping((err) => {
        clearTimeout(timer);
        if (err) session.destroy();
      });
      if (!sent) clearTimeout(timer);
    } catch {
      clearTimeout(timer);
      session.destroy();
    }
  }

  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const kind = headers[HEADER_KIND];
    const authority = headers[':authority'] ?? '';
    const serverName = authority.replace(/:\d+$/, '');
    const remote = headers[HEADER_REMOTE];
    if (headers[':method'] !== 'CONNECT' || (kind !== 'tls' && kind !== 'http') || !NAME.test(serverName)) {
      stream.respond({ ':status': 400 }, { endStream: true });
      return;
    }
    stream.respond({ ':status': 200 });
    stream.on('error', () => stream.destroy());
    const meta: StreamMeta = { kind, serverName, remoteAddress: typeof remote === 'string' ? remote.slice(0, 64) : 'unknown' };
    if (kind === 'tls') this.dataPool?.demand();
    this.emit('stream', kind === 'http' ? withBufferWrites(stream) : stream, meta);
  }
}

// The device's spare data connections for one tunnel session (data-conn-protocol.ts): keeps them dialed and
// authenticated, so a client the relay hands over starts at once, and dials a replacement for each one used. An idle
// device keeps `minSpares` (each costs the relay ~4 KiB, against ~60 KiB for the tunnel itself); while TLS clients
// keep arriving it keeps up to `maxSpares`, so a page that opens several connections finds spares for most of them.
// A TLS client arriving on one reaches the device's TLS server over a kernel socket, without the tunnel's HTTP/2
// framing, its second TLS layer and the JavaScript stream between them. When data connections do not work from
// here (a proxy that lets only the tunnel's TLS out, a relay node that does not know the session), the device
// stops dialing and every stream keeps using the tunnel.
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { deriveDataKeys, encodeDataHello, openMeta, type DataKeys } from './data-conn-protocol.js';
import type { StreamMeta } from './protocol.js';

export interface DataConnOptions {
  host: string;
  port: number;
  sid: Buffer;
  secret: Buffer;
  minSpares: number;
  maxSpares: number;
  /** How long after the last TLS client the device keeps `maxSpares` rather than `minSpares`. */
  busyMs?: number;
  connectTimeoutMs: number;
  log: Logger;
  onStream: (socket: Socket, meta: StreamMeta) => void;
  /** Delay before replacing a spare that died unused; consecutive such failures back off and then give up. */
  retryDelayMs?: number;
}

/** Consecutive failures (dial errors, spares closed before use) after which this session stops dialing. */
export const MAX_DATA_FAILURES = 5;

export class DataConnPool {
  private readonly keys: DataKeys;
  private readonly spares = new Set<Socket>();
  private dialing = 0;
  private seq = 0;
  private failures = 0;
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;
  private trimTimer?: NodeJS.Timeout;
  private busyUntil = 0;
  /** Streams that arrived over data connections in this session (status and tests). */
  used = 0;

  constructor(private readonly o: DataConnOptions) {
    this.keys = deriveDataKeys(o.secret, o.sid);
  }

  get disabled(): boolean {
    return this.failures >= MAX_DATA_FAILURES;
  }

  get spareCount(): number {
    return this.spares.size;
  }

  start(): void {
    this.fill();
  }

  /** Drops the spares; connections already carrying a client stay up (they no longer depend on the tunnel). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.trimTimer);
    for (const s of this.spares) s.destroy();
    this.spares.clear();
  }

  /** A TLS client arrived (on a data connection or through the tunnel): keep more spares for a while. */
  demand(): void {
    const busyMs = this.o.busyMs ?? 30_000;
    this.busyUntil = Date.now() + busyMs;
    if (!this.trimTimer) this.scheduleTrim(busyMs);
    this.fill();
  }

  private target(): number {
    return Date.now() < this.busyUntil ? this.o.maxSpares : this.o.minSpares;
  }

  private scheduleTrim(ms: number): void {
    this.trimTimer = setTimeout(() => {
      this.trimTimer = undefined;
      const left = this.busyUntil - Date.now();
      if (left > 0) return this.scheduleTrim(left);
      // Oldest first: the newest spares are the ones most recently known to reach the relay.
      for (const s of this.spares) {
        if (this.spares.size <= this.o.minSpares) break;
        this.spares.delete(s);
        s.destroy();
      }
    }, ms);
    this.trimTimer.unref();
  }

  private fill(): void {
    while (!this.stopped && !this.disabled && this.spares.size + this.dialing < this.target()) this.dial();
  }

  private failed(reason: string): void {
    if (this.stopped) return;
    this.failures++;
    if (this.disabled) {
      this.o.log.warn({ host: this.o.host, port: this.o.port, reason }, 'data connections unavailable; streams use the tunnel');
      return;
    }
    this.o.log.debug({ reason, failures: this.failures }, 'data connection failed');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.fill(), (this.o.retryDelayMs ?? 1000) * 2 ** (this.failures - 1));
    this.retryTimer.unref();
  }

  private dial(): void {
    const seq = ++this.seq;
    if (seq > 0xffffffff) return void (this.failures = MAX_DATA_FAILURES);
    this.dialing++;
    const socket = connect({ host: this.o.host, port: this.o.port, noDelay: true });
    let state: 'dialing' | 'spare' | 'given' | 'dead' = 'dialing';
    let received: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(new Error('connect timed out')), this.o.connectTimeoutMs);
    timer.unref();
    // Read in paused mode ('readable'): once the last 'readable' listener is gone the socket is back in its initial
    // state, so whoever takes it starts the flow by listening (an explicit pause() would leave it stopped).
    const onReadable = (): void => {
      for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null;) {
        received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      }
      const opened = openMeta(received, seq, this.keys);
      if (opened.kind === 'incomplete') return;
      if (opened.kind === 'invalid') return void socket.destroy(new Error(opened.reason));
      socket.off('readable', onReadable);
      state = 'given';
      this.spares.delete(socket);
      this.failures = 0;
      this.used++;
      this.demand();
      // Node's TLSSocket feeds bytes already in the JS buffer to TLS before it reads the native handle.
      if (opened.rest.length > 0) socket.unshift(opened.rest);
      this.o.onStream(socket, { ...opened.meta, dataConnection: true });
    };
    socket.once('connect', () => {
      clearTimeout(timer);
      this.dialing--;
      if (this.stopped) {
        state = 'dead';
        return void socket.destroy();
      }
      state = 'spare';
      socket.setKeepAlive(true, 10_000);
      socket.write(encodeDataHello(this.o.sid, seq, this.keys));
      this.spares.add(socket);
      socket.on('readable', onReadable);
    });
    socket.on('error', () => undefined); // reported through 'close'
    socket.once('close', () => {
      clearTimeout(timer);
      if (state === 'given' || (state === 'dead' && this.stopped)) return;
      if (state === 'dialing') this.dialing--;
      if (state === 'spare' && !this.spares.has(socket)) return; // trimmed by us
      this.spares.delete(socket);
      state = 'dead';
      this.failed(received.length > 0 ? 'relay sent an invalid header' : 'closed before use');
    });
  }
}

// TLS termination on the device. Raw TLS streams arrive from the relay tunnel (as Duplex objects) or from the LAN
// listener; both go through handleConnection, so a phone at home and a phone on 4G see the same certificate and
// the same apps. The relay in between only reads SNI: keys and plaintext exist only here.
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { Socket, createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ACME_TLS_ALPN, parseClientHello } from './client-hello.js';
import { ReplayDuplex } from './replay-duplex.js';
import type { CertificateSource } from './types.js';

export interface TlsTerminatorOptions {
  source: CertificateSource;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  logger: Logger;
  /** A peer that has not sent its ClientHello by then is dropped. */
  helloTimeoutMs?: number;
  /** A peer that has not completed the handshake by then is dropped (node's tls.Server default is 120 s). */
  handshakeTimeoutMs?: number;
}

export class TlsTerminator {
  /** Serves decrypted HTTPS connections (never listens itself). */
  readonly httpServer: HttpServer;
  /** Serves port-80 passthrough connections: HTTP-01 answers, otherwise a redirect to https. */
  readonly plainServer: HttpServer;
  private readonly log: Logger;
  private readonly open = new Set<Duplex>();
  private readonly listeners = new Set<NetServer>();

  constructor(private readonly opts: TlsTerminatorOptions) {
    this.log = opts.logger.child({ component: 'tls-terminator' });
    this.httpServer = createHttpServer(opts.handler);
    if (opts.upgrade) this.httpServer.on('upgrade', opts.upgrade);
    this.httpServer.on('clientError', (_err, socket) => socket.destroy());
    this.plainServer = createHttpServer((req, res) => this.servePlain(req, res));
    this.plainServer.on('clientError', (_err, socket) => socket.destroy());
  }

  /** Takes ownership of a raw TLS stream (from the tunnel or a TCP listener). */
  handleConnection(raw: Duplex, opts: { refuseAcme?: boolean } = {}): void {
    this.track(raw);
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => raw.destroy(), this.opts.helloTimeoutMs ?? 10_000);
    timer.unref();
    const stop = (): void => {
      clearTimeout(timer);
      raw.removeListener('data', onData);
      raw.removeListener('end', onEnd);
    };
    const onEnd = (): void => {
      stop();
      raw.destroy();
    };
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const hello = parseClientHello(received);
      if (hello.kind === 'incomplete') return;
      stop();
      if (hello.kind === 'invalid') {
        this.log.debug({ reason: hello.reason }, 'dropping connection: bad ClientHello');
        raw.destroy();
        return;
      }
      const acmeAlpn = hello.alpn.includes(ACME_TLS_ALPN);
      if (acmeAlpn && opts.refuseAcme) {
        this.log.warn({ servername: hello.serverName }, 'dropping connection: ACME validation over a path that is not authenticated');
        raw.destroy();
        return;
      }
      raw.pause();
      if (raw instanceof Socket) {
        // A kernel socket (LAN listener, data connection): push the ClientHello back and let TLS run on the socket's
        // native handle; Node's TLSSocket first feeds it what is buffered in JS. Measured: no JavaScript stream
        // between TLS and the kernel (see docs/RELAY.md).
        raw.unshift(received);
        this.startTls(raw, raw, hello.serverName, acmeAlpn);
        return;
      }
      // Any other Duplex (a tunnel stream): replay the untouched bytes through a fresh stream.
      this.startTls(raw, new ReplayDuplex(raw, received), hello.serverName, acmeAlpn);
    };
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', (err) => this.log.debug({ err: err.message }, 'connection error before TLS'));
  }

  /** Takes ownership of a plain HTTP stream (port-80 passthrough). */
  handlePlainConnection(raw: Duplex): void {
    this.track(raw);
    this.plainServer.emit('connection', raw);
  }

  /** HTTPS on the LAN with the same certificates. Resolves with the bound address (port 0 = ephemeral). */
  listenLocal(port: number, host = '0.0.0.0'): Promise<AddressInfo> {
    return this.listen((sock) => this.handleConnection(sock), port, host);
  }

  /** Plain HTTP on the LAN (challenge answers and redirects to https). */
  listenLocalPlain(port: number, host = '0.0.0.0'): Promise<AddressInfo> {
    return this.listen((sock) => this.handlePlainConnection(sock), port, host);
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners].map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const s of this.open) s.destroy();
    this.open.clear();
  }

  private listen(onSocket: (s: Duplex) => void, port: number, host: string): Promise<AddressInfo> {
    const server = createNetServer(onSocket);
    this.listeners.add(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(server.address() as AddressInfo));
    });
  }

  private track(s: Duplex): void {
    this.open.add(s);
    s.once('close', () => this.open.delete(s));
  }

  private contextFor(servername: string | undefined, acmeAlpn: boolean): SecureContext | undefined {
    const { source } = this.opts;
    if (acmeAlpn) return servername ? source.challenges?.alpnContext(servername) : undefined;
    const bundle = (servername ? source.current(servername) : undefined) ?? source.fallback();
    return bundle?.secureContext;
  }

  private startTls(raw: Duplex, stream: Duplex, servername: string | undefined, acmeAlpn: boolean): void {
    const initial = this.contextFor(servername, acmeAlpn);
    if (!initial) {
      this.log.info({ servername, acmeAlpn }, 'no certificate for this name, closing');
      raw.destroy();
      return;
    }
    const tlsSocket = new TLSSocket(stream, {
      isServer: true,
      secureContext: initial,
      ALPNProtocols: acmeAlpn ? [ACME_TLS_ALPN] : ['http/1.1'],
      SNICallback: (name, cb) => {
        const ctx = this.contextFor(name, acmeAlpn);
        cb(ctx ? null : new Error(`no certificate for ${name}`), ctx);
      },
    });
    this.track(tlsSocket);
    const handshakeTimer = setTimeout(() => {
      this.log.debug({ servername }, 'TLS handshake timed out');
      tlsSocket.destroy();
    }, this.opts.handshakeTimeoutMs ?? 30_000);
    handshakeTimer.unref();
    tlsSocket.once('secure', () => clearTimeout(handshakeTimer));
    tlsSocket.once('close', () => clearTimeout(handshakeTimer));
    tlsSocket.on('error', (err) => {
      this.log.debug({ servername, err: err.message }, 'TLS connection error');
      raw.destroy();
    });
    tlsSocket.once('close', () => raw.destroy());
    if (acmeAlpn) {
      // A TLS-ALPN-01 validation needs only the handshake; nothing is served on it.
      tlsSocket.once('secure', () => {
        this.log.info({ servername }, 'answered TLS-ALPN-01 validation');
        tlsSocket.end();
      });
      return;
    }
    this.httpServer.emit('connection', tlsSocket);
  }

  private servePlain(req: IncomingMessage, res: ServerResponse): void {
    if (this.opts.source.challenges?.handleHttp(req, res)) return;
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
    if (!/^[a-z0-9.-]{1,253}$/.test(host)) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('missing or invalid Host header\n');
      return;
    }
    res.writeHead(308, { location: `https://${host}${req.url ?? '/'}` }).end();
  }
}

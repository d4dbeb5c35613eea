// One relay node: the public TLS port (routed by SNI, never decrypted), the port-80 ACME passthrough and redirect,
// the device tunnel endpoint (raw TLS with ALPN hearth-tunnel/1, or WebSocket over the same TLS port), and in a
// cluster the forward port. Effects live here; decisions (SNI, HTTP head, verification, limits) are pure modules.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { TUNNEL_ALPN, type StreamMeta } from '../../agent/src/tunnel/protocol.js';
import type { RelayConfig } from './config.js';
import { DataConnHub, parseOpening } from './data-conns.js';
import { createDomainChecker } from './dns-check.js';
import { createForwardServer, forwardTo } from './forward.js';
import { BAD_REQUEST, NOT_FOUND, isAcmeChallenge, parseHttpHead, redirectResponse, MAX_HTTP_HEAD_BYTES } from './http-head.js';
import { acceptLogin, type LoginDeps } from './login.js';
import { peek } from './peek.js';
import { PendingConnections } from './pending.js';
import { PendingLogins } from './pending-logins.js';
import { RateLimiter, type Clock } from './rate-limit.js';
import { TunnelRegistry } from './registry.js';
import { ALERT_UNRECOGNIZED_NAME } from './sni.js';
import { MemoryRouteStore } from './store/memory.js';
import { RedisRouteStore } from './store/redis.js';
import { routeKeys, type RouteStore } from './store/types.js';

export const TUNNEL_WS_PATH = '/v1/tunnel';
/** Connections a listener accepts beyond its limit (maxClientConnections, maxPendingLogins), to be refused or to evict a
 * silent one. */
const NEWCOMER_ROOM = 64;

export interface RelayDeps {
  log: Logger;
  clock?: Clock;
  /** Overrides the store chosen from the config (tests). */
  store?: RouteStore;
}

export interface RelayAddresses {
  https: number;
  http: number | null;
  tunnel: number;
  forward: number | null;
}

export class RelayServer {
  private readonly servers: Server[] = [];
  private readonly clients = new Set<Socket>();
  /** Public-port connections whose first bytes are not read yet (pending.ts). */
  private readonly pending: PendingConnections<Socket>;
  /** Tunnel-port connections whose login has not ended yet (pending-logins.ts). */
  private readonly logins: PendingLogins;
  private registry!: TunnelRegistry;
  private dataHub?: DataConnHub;
  private store!: RouteStore;
  private nodeId: string;
  private addresses?: RelayAddresses;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly config: RelayConfig, private readonly deps: RelayDeps) {
    this.clock = deps.clock ?? { now: () => Date.now() };
    this.log = deps.log;
    this.pending = new PendingConnections(this.clock);
    this.logins = new PendingLogins(this.clock, config.limits.maxPendingLogins);
    this.nodeId = config.cluster?.nodeId ?? 'single';
  }

  get tunnels(): number {
    return this.registry.size;
  }

  /** Tunnel-port connections whose login has not ended, counted against maxPendingLogins. */
  get pendingLogins(): number {
    return this.logins.size;
  }

  /** Connections on the public ports counted against maxClientConnections: clients, and devices' data connections
   * until their hello has been read. */
  get clientConnections(): number {
    return this.clients.size;
  }

  async start(): Promise<RelayAddresses> {
    const { config } = this;
    const cluster = config.cluster;
    this.store = this.deps.store ?? (cluster ? await RedisRouteStore.connect(cluster.redisUrl) : new MemoryRouteStore(this.clock));
    this.registry = new TunnelRegistry({ nodeId: this.nodeId, routeTtlMs: cluster?.routeTtlMs ?? 60_000, store: this.store, log: this.log });
    const limits = config.limits;
    const loginDeps: LoginDeps = {
      relayName: config.relayName,
      zone: config.zone,
      clock: this.clock,
      log: this.log,
      registry: this.registry,
      loginsPerIp: new RateLimiter(limits.loginsPerIp, this.clock),
      loginsPerDevice: new RateLimiter(limits.loginsPerDevice, this.clock),
      loginTimeoutMs: limits.loginTimeoutMs,
      maxClockSkewMs: limits.maxClockSkewMs,
      checkDomain: createDomainChecker(config.dnsResolver),
      tunnelLimits: {
        maxStreams: limits.maxStreamsPerDevice,
        keepaliveIntervalMs: limits.keepaliveIntervalMs,
        keepaliveTimeoutMs: limits.keepaliveTimeoutMs,
        streamWindowBytes: limits.streamWindowBytes,
        sessionWindowBytes: limits.sessionWindowBytes,
      },
    };
    const host = config.listen.host;
    if (config.dataConnections.enabled && limits.maxSparesPerDevice > 0) this.dataHub = new DataConnHub(limits.maxSparesPerDevice, this.log);
    // Devices' spare data connections arrive on the public port too: the listener's hard cap leaves room for them,
    // and onPublic applies maxClientConnections to clients alone (a data connection leaves `clients` once verified).
    // It also leaves room for newcomers when the ports are full, so onPublic sees them and can evict a silent one.
    const spareRoom = this.dataHub ? limits.maxTunnels * limits.maxSparesPerDevice : 0;
    const publicCap = limits.maxClientConnections + NEWCOMER_ROOM;
    const httpsPort = await this.listen(createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.onPublic(s, 'tls')), host, config.listen.https, publicCap + spareRoom);
    if (this.dataHub) loginDeps.dataConns = { hub: this.dataHub, port: config.dataConnections.advertisePort ?? httpsPort };
    const httpPort = config.listen.http === null ? null
      : await this.listen(createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.onPublic(s, 'http')), host, config.listen.http, publicCap);
    const tunnelCap = limits.maxTunnels + limits.maxPendingLogins + NEWCOMER_ROOM;
    const tunnelPort = await this.listen(await this.tunnelServer(loginDeps), host, config.listen.tunnel, tunnelCap);
    let forwardPort: number | null = null;
    if (cluster) {
      forwardPort = await this.listen(createForwardServer(cluster.secret, this.log, (meta, socket, dataOk) => this.openLocal(meta, socket, undefined, dataOk)), cluster.forwardListen.host, cluster.forwardListen.port);
      const advertise = cluster.forwardAdvertise ?? `${cluster.forwardListen.host}:${forwardPort}`;
      await this.store.setNode(this.nodeId, advertise, cluster.routeTtlMs);
      const heartbeat = setInterval(() => void this.store.setNode(this.nodeId, advertise, cluster.routeTtlMs).catch(() => undefined), cluster.routeTtlMs / 3);
      heartbeat.unref();
      this.stopHeartbeat = () => clearInterval(heartbeat);
    }
    this.addresses = { https: httpsPort, http: httpPort, tunnel: tunnelPort, forward: forwardPort };
    this.log.info({ nodeId: this.nodeId, ...this.addresses }, 'relay listening');
    return this.addresses;
  }

  private stopHeartbeat = (): void => undefined;

  async close(): Promise<void> {
    this.stopHeartbeat();
    for (const s of this.servers) s.close();
    for (const c of this.clients) c.destroy();
    await this.registry.close();
    if (!this.deps.store) await this.store.close();
  }

  private listen(server: Server, host: string, port: number, maxConnections = this.config.limits.maxClientConnections): Promise<number> {
    this.servers.push(server);
    server.maxConnections = maxConnections;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  private async tunnelServer(loginDeps: LoginDeps): Promise<Server> {
    const [cert, key] = await Promise.all([readFile(this.config.tunnelTls.cert), readFile(this.config.tunnelTls.key)]);
    const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024, perMessageDeflate: false });
    const upgrade = http.createServer((_req, res) => res.writeHead(404).end());
    upgrade.on('upgrade', (req, socket, head) => {
      if (req.url !== TUNNEL_WS_PATH) return void socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => {
        const stream = createWebSocketStream(ws);
        stream.on('error', () => stream.destroy());
        void this.login(stream, socket as Socket, loginDeps);
      });
    });
    const server = tls.createServer({ cert, key, ALPNProtocols: [TUNNEL_ALPN, 'http/1.1'], handshakeTimeout: this.config.limits.loginTimeoutMs });
    server.on('connection', (raw: Socket) => {
      const admitted = this.logins.admit(raw);
      if (admitted === false) return void raw.destroy();
      if (admitted !== true) this.log.debug({ remoteAddress: admitted.remoteAddress }, 'tunnel logins full: closed the oldest connection still logging in');
    });
    server.on('secureConnection', (socket) => {
      socket.on('error', () => socket.destroy());
      socket.setNoDelay(true);
      if (this.registry.size >= this.config.limits.maxTunnels) return void socket.destroy();
      if (socket.alpnProtocol === TUNNEL_ALPN) void this.login(socket, socket, loginDeps);
      else upgrade.emit('connection', socket);
    });
    server.on('tlsClientError', (err) => this.log.debug({ err: err.message }, 'tunnel TLS handshake failed'));
    return server;
  }

  /** `peer`: the TLS connection the login runs on (itself, or the one carrying its WebSocket). */
  private async login(transport: import('node:stream').Duplex, peer: Socket, deps: LoginDeps): Promise<void> {
    const remote = peer.remoteAddress ?? 'unknown';
    try {
      await acceptLogin(transport, remote, deps);
    } catch (err) {
      this.log.warn({ remote, err: (err as Error).message }, 'tunnel login failed');
      transport.destroy();
    } finally {
      this.logins.done(peer);
    }
  }

  private onPublic(socket: Socket, kind: 'tls' | 'http'): void {
    const limits = this.config.limits;
    this.clients.add(socket);
    socket.once('close', () => {
      this.clients.delete(socket);
      this.pending.delete(socket);
    });
    if (this.clients.size > limits.maxClientConnections && !this.evictOldestSilent()) return void socket.destroy();
    this.pending.add(socket);
    socket.on('error', () => socket.destroy());
    socket.setTimeout(limits.clientIdleTimeoutMs, () => socket.destroy());
    const remoteAddress = socket.remoteAddress ?? 'unknown';
    if (kind === 'tls') {
      peek(socket, (d) => parseOpening(d, limits.clientHelloBytes), limits.clientHelloBytes + 5, limits.clientHelloTimeoutMs)
        .then(({ result, data }) => {
          this.pending.delete(socket);
          // TLS-ALPN-01 validations stay inside the tunnel's TLS: over a plain data connection someone on the device's
          // path could answer a CA's validation for the device's names and be issued a certificate for them.
          if (result.serverName !== undefined) return this.route({ kind, serverName: result.serverName, remoteAddress }, socket, data, !result.acmeAlpn);
          if (!this.dataHub) return void socket.destroy();
          this.clients.delete(socket); // a device's connection, closed with its tunnel; the client it carries counts
          this.dataHub.accept(socket, result.dataHello);
        })
        .catch((err: Error) => {
          this.log.debug({ remoteAddress, err: err.message }, 'ClientHello rejected');
          socket.destroy();
        });
      return;
    }
    peek(socket, parseHttpHead, MAX_HTTP_HEAD_BYTES, limits.clientHelloTimeoutMs)
      .then(({ result, data }) => {
        this.pending.delete(socket);
        if (isAcmeChallenge(result.head)) return this.route({ kind, serverName: result.head.host, remoteAddress }, socket, data);
        this.answerAndClose(socket, redirectResponse(result.head));
      })
      .catch(() => this.answerAndClose(socket, BAD_REQUEST));
  }

  /** Full public ports: the oldest connection that has waited long enough for its hello makes room (pending.ts). */
  private evictOldestSilent(): boolean {
    const evicted = this.pending.takeEvictable();
    if (!evicted) return false;
    this.clients.delete(evicted);
    evicted.destroy();
    this.log.debug({ remoteAddress: evicted.remoteAddress }, 'public ports full: closed the oldest connection still waiting for its hello');
    return true;
  }

  /** The relay's own last bytes to a client. The public ports allow half-open connections (a tunnelled client may
   * finish sending after the device has): a peer that never closes its side is cut off after the hello timeout, not
   * the 10 min idle timeout. */
  private answerAndClose(socket: Socket, bytes: Buffer | string): void {
    socket.setTimeout(this.config.limits.clientHelloTimeoutMs);
    socket.end(bytes);
  }

  /** Local tunnel first; in a cluster, the node that owns the name; otherwise refuse this connection only. */
  private async route(meta: StreamMeta, socket: Socket, initial: Buffer, dataConnectionOk = false): Promise<void> {
    if (this.openLocal(meta, socket, initial, dataConnectionOk)) return;
    const cluster = this.config.cluster;
    if (cluster) {
      try {
        for (const key of routeKeys(meta.serverName)) {
          const owner = await this.store.lookup(key);
          if (!owner || owner.nodeId === this.nodeId) continue;
          const address = await this.store.getNode(owner.nodeId);
          if (!address) continue;
          forwardTo(address, cluster.secret, meta, socket, initial, dataConnectionOk);
          return;
        }
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'route lookup failed');
      }
    }
    this.log.debug({ serverName: meta.serverName }, 'no device serves this name');
    this.answerAndClose(socket, meta.kind === 'tls' ? ALERT_UNRECOGNIZED_NAME : NOT_FOUND);
  }

  /** `dataConnectionOk`: the ClientHello was read (here, or by the node that forwarded it) and is no ACME validation. */
  private openLocal(meta: StreamMeta, socket: Socket, initial: Buffer | undefined, dataConnectionOk = false): boolean {
    const tunnel = this.registry.find(meta.serverName);
    if (!tunnel) return false;
    try {
      tunnel.open(meta, socket, initial, dataConnectionOk);
      return true;
    } catch (err) {
      this.log.warn({ deviceId: tunnel.deviceId, err: (err as Error).message }, 'stream refused');
      socket.destroy();
      return true;
    }
  }
}

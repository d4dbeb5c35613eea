// The ingress: an HTTP reverse proxy that routes by Host header to app containers over their own networks.
// Apps publish no host ports; this is the only way in. It counts in-flight requests per container so an old
// container is stopped only after its last request finished (zero dropped requests during an update).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { RouteTable, Upstream } from './route-table.js';

export interface IngressOptions {
  logger: Logger;
  /** Handles requests for hosts no app route claims (the device's own pages, ACME HTTP-01...). */
  fallback?: (req: IncomingMessage, res: ServerResponse) => void;
}

export class Ingress {
  private routes: RouteTable = new Map();
  private appSources: ReadonlySet<string> = new Set();
  private readonly inflight = new Map<string, number>();
  private readonly retired = new Set<string>();
  private readonly drainWaiters = new Map<string, Array<() => void>>();
  private readonly upstreamAgent = new http.Agent({ keepAlive: true, maxFreeSockets: 16, timeout: 60_000 });

  constructor(private readonly opts: IngressOptions) {}

  /** Where requests for hosts no app claims go (the device's own web, once it is up). */
  setFallback(fallback: IngressOptions['fallback']): void {
    this.opts.fallback = fallback;
  }

  setRoutes(table: RouteTable): void {
    this.routes = table;
  }

  /** Addresses of app containers: they may reach other apps' routes, never the device's own web (admin). */
  setAppSources(addresses: ReadonlySet<string>): void {
    this.appSources = addresses;
  }

  routeTable(): RouteTable {
    return this.routes;
  }

  /** The request handler, usable by a plain HTTP listener and by the TLS terminator alike. */
  readonly handler = (req: IncomingMessage, res: ServerResponse): void => {
    const up = this.lookup(req);
    if (!up) {
      if (this.appSources.has(normalizeAddress(req.socket.remoteAddress))) {
        return plainError(res, 403, 'Apps cannot administer this device.');
      }
      if (this.opts.fallback) return this.opts.fallback(req, res);
      return plainError(res, 404, `No app is installed at ${hostOf(req) || 'this address'}.`);
    }
    this.enter(up.containerId);
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.leave(up.containerId);
    };
    res.once('close', leave);
    const replayable = isReplayable(req);
    const forward = (fresh: boolean): void => {
      const upstreamReq = http.request(
        // A retry goes on a new connection (agent: false), never on another pooled one that may be just as stale.
        { host: up.ip, port: up.port, method: req.method, path: req.url, headers: forwardedHeaders(req), agent: fresh ? false : this.upstreamAgent },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, returnedHeaders(upstreamRes));
          upstreamRes.pipe(res);
          upstreamRes.once('error', () => res.destroy());
        },
      );
      upstreamReq.once('error', (err: NodeJS.ErrnoException) => {
        // The app closed a kept-alive connection just as it was reused: a race Node documents (the app never read
        // the request). A request without a body can safely be sent again, once.
        if (!fresh && replayable && upstreamReq.reusedSocket && err.code === 'ECONNRESET' && !res.headersSent) return forward(true);
        this.opts.logger.warn({ app: up.app, err: err.message }, 'upstream request failed');
        if (!res.headersSent) plainError(res, 502, `${up.app} is not answering right now.`);
        else res.destroy();
        leave();
      });
      if (replayable) upstreamReq.end();
      else req.pipe(upstreamReq);
    };
    forward(false);
  };

  /** WebSocket and other upgrades: a raw byte pipe to the container after replaying the request head. */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const up = this.lookup(req);
    if (!up) return void socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    this.enter(up.containerId);
    const upstream: Socket = connect(up.port, up.ip, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    let left = false;
    const close = () => {
      if (!left) {
        left = true;
        this.leave(up.containerId);
      }
      upstream.destroy();
      socket.destroy();
    };
    upstream.once('error', close);
    socket.once('error', close);
    upstream.once('close', close);
    socket.once('close', close);
  };

  /** Stops routing new requests to a container and resolves once its in-flight requests are done (or timeout). */
  async drain(containerId: string, timeoutMs: number): Promise<void> {
    this.retired.add(containerId);
    if ((this.inflight.get(containerId) ?? 0) === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const list = this.drainWaiters.get(containerId) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.drainWaiters.set(containerId, list);
    });
  }

  forget(containerId: string): void {
    this.retired.delete(containerId);
    this.inflight.delete(containerId);
    this.drainWaiters.delete(containerId);
  }

  listen(port: number, host: string): Promise<http.Server> {
    const server = http.createServer(this.handler);
    server.on('upgrade', this.upgrade);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(server));
    });
  }

  close(): void {
    this.upstreamAgent.destroy();
  }

  private lookup(req: IncomingMessage): Upstream | undefined {
    const up = this.routes.get(hostOf(req));
    if (!up || this.retired.has(up.containerId)) return undefined;
    return up;
  }

  private enter(id: string): void {
    this.inflight.set(id, (this.inflight.get(id) ?? 0) + 1);
  }

  private leave(id: string): void {
    const n = (this.inflight.get(id) ?? 1) - 1;
    this.inflight.set(id, n);
    if (n <= 0) {
      for (const w of this.drainWaiters.get(id) ?? []) w();
      this.drainWaiters.delete(id);
    }
  }
}

function normalizeAddress(a: string | undefined): string {
  return (a ?? '').replace(/^::ffff:/, '');
}

export function hostOf(req: IncomingMessage): string {
  const raw = req.headers.host ?? '';
  return raw.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase();
}

// Hop-by-hop (RFC 9110 section 7.6.1): they describe one connection, client to ingress or ingress to app, and are
// not passed across. Forwarded, a client's `Connection: close` made the app close every pooled connection, and an
// app's (busybox httpd says it on every answer) closed the client's kept-alive connection after every response.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'];

/** The hop-by-hop names for one message: the fixed ones and those its Connection header lists. */
function hopByHop(connection: string | undefined): Set<string> {
  return new Set([...HOP_BY_HOP, ...(connection ?? '').split(',').map((v) => v.trim().toLowerCase()).filter(Boolean)]);
}

/** The app's response headers as a raw list (repeated ones such as Set-Cookie kept apart), hop-by-hop ones left out. */
function returnedHeaders(res: IncomingMessage): string[] {
  const drop = hopByHop(res.headers.connection);
  const out: string[] = [];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    if (!drop.has(res.rawHeaders[i]!.toLowerCase())) out.push(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  }
  return out;
}

function forwardedHeaders(req: IncomingMessage): http.OutgoingHttpHeaders {
  const h: http.OutgoingHttpHeaders = { ...req.headers };
  for (const name of hopByHop(req.headers.connection)) delete h[name];
  const prior = req.headers['x-forwarded-for'];
  const addr = req.socket.remoteAddress ?? '';
  h['x-forwarded-for'] = prior ? `${prior}, ${addr}` : addr;
  h['x-forwarded-host'] = req.headers.host;
  h['x-forwarded-proto'] = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return h;
}

/** GET, HEAD and OPTIONS without a body: safe to send twice, and nothing to buffer for it. */
function isReplayable(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

function plainError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(message + '\n');
}

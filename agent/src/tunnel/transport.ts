// Opens the outbound byte stream to a relay: raw TLS with ALPN hearth-tunnel/1 (`tls://host:port`), or, where only
// HTTPS gets out, a WebSocket over TLS (`wss://host:port/v1/tunnel`). Both end up as a Duplex for the login.
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import WebSocket, { createWebSocketStream } from 'ws';
import { TUNNEL_ALPN } from './protocol.js';

export interface TransportOptions {
  ca?: string | Buffer | Array<string | Buffer>;
  connectTimeoutMs: number;
}

export interface RelayEndpoint {
  url: string;
  scheme: 'tls' | 'wss';
  host: string;
  port: number;
}

export function parseRelayUrl(url: string): RelayEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`relay URL is not a URL: ${url}`);
  }
  const scheme = parsed.protocol.slice(0, -1);
  if (scheme !== 'tls' && scheme !== 'wss') throw new Error(`relay URL must use tls:// or wss://, got ${url}`);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw new Error(`relay URL has no host: ${url}`);
  return { url, scheme, host, port: Number(parsed.port || (scheme === 'tls' ? 8443 : 443)) };
}

export function openTransport(endpoint: RelayEndpoint, options: TransportOptions): Promise<Duplex> {
  return endpoint.scheme === 'tls' ? openTls(endpoint, options) : openWebSocket(endpoint, options);
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

function openTls(endpoint: RelayEndpoint, options: TransportOptions): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: endpoint.host,
      port: endpoint.port,
      servername: isIp(endpoint.host) ? undefined : endpoint.host,
      ca: options.ca,
      ALPNProtocols: [TUNNEL_ALPN],
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${endpoint.url} timed out after ${options.connectTimeoutMs} ms`));
    }, options.connectTimeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      if (socket.alpnProtocol !== TUNNEL_ALPN) {
        socket.destroy();
        return reject(new Error(`relay ${endpoint.url} does not speak ${TUNNEL_ALPN}`));
      }
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 10_000);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function openWebSocket(endpoint: RelayEndpoint, options: TransportOptions): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(endpoint.url.replace(/^wss:/, 'wss:'), {
      ca: options.ca,
      handshakeTimeout: options.connectTimeoutMs,
      perMessageDeflate: false,
      maxPayload: 4 * 1024 * 1024,
    });
    ws.once('open', () => {
      ws.off('error', reject);
      const stream = createWebSocketStream(ws);
      stream.on('error', () => stream.destroy());
      resolve(stream);
    });
    ws.once('error', reject);
  });
}

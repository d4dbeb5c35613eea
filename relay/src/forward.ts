// Cluster forwarding: a node that receives a connection for a device tunnelled to another node passes the stream
// there. The hop is a plain TCP connection on a private network carrying one control frame (cluster secret and stream
// metadata), then the client's raw bytes. The receiving node serves only local tunnels, so streams never loop.
import { createHash, timingSafeEqual } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { Type } from '@sinclair/typebox';
import { encodeFrame, readFrame } from '../../agent/src/tunnel/frames.js';
import { parseMessage, type StreamMeta } from '../../agent/src/tunnel/protocol.js';
import { splice } from './splice.js';

const ForwardHeader = Type.Object({
  secret: Type.String({ maxLength: 512 }),
  kind: Type.Union([Type.Literal('tls'), Type.Literal('http')]),
  serverName: Type.String({ maxLength: 253 }),
  remoteAddress: Type.String({ maxLength: 64 }),
  /** The receiving node read the ClientHello and it is not an ACME validation (relay/src/data-conns.ts). */
  dataConnectionOk: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
type ForwardHeader = Pick<StreamMeta, 'kind' | 'serverName' | 'remoteAddress'> & { secret: string; dataConnectionOk?: boolean };

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function forwardTo(address: string, secret: string, meta: StreamMeta, client: Socket, initial: Buffer, dataConnectionOk: boolean): void {
  const colon = address.lastIndexOf(':');
  const upstream = connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
  upstream.setNoDelay(true);
  const header: ForwardHeader = { secret, kind: meta.kind, serverName: meta.serverName, remoteAddress: meta.remoteAddress, dataConnectionOk };
  upstream.write(encodeFrame(header));
  splice(client, upstream, initial);
}

export function createForwardServer(
  secret: string,
  log: Logger,
  openLocal: (meta: StreamMeta, client: Socket, dataConnectionOk: boolean) => boolean,
): Server {
  return createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    readFrame(socket, 5000, 2048)
      .then((raw) => {
        const header = parseMessage<ForwardHeader>(ForwardHeader, raw, 'forward header');
        if (!sameSecret(header.secret, secret)) throw new Error('wrong cluster secret');
        const meta: StreamMeta = { kind: header.kind, serverName: header.serverName, remoteAddress: header.remoteAddress };
        if (!openLocal(meta, socket, header.dataConnectionOk === true)) socket.destroy();
      })
      .catch((err: Error) => {
        log.warn({ remote: socket.remoteAddress, err: err.message }, 'forwarded stream refused');
        socket.destroy();
      });
  });
}

// The relay's side of data connections (agent/src/tunnel/data-conn-protocol.ts). Each tunnel session gets a session
// id and secret in its welcome; the device dials the public port and says hello; verified connections wait here as
// spares until a TLS client for that device arrives, which then gets a spare instead of a stream in the tunnel. The
// relay still only moves the client's encrypted bytes, now between two sockets, with one TLS layer fewer to run.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  SECRET_BYTES, SESSION_ID_BYTES, deriveDataKeys, looksLikeDataHello, parseDataHello, sealMeta, verifyDataHello,
  type DataHello, type DataKeys,
} from '../../agent/src/tunnel/data-conn-protocol.js';
import type { StreamMeta } from '../../agent/src/tunnel/protocol.js';
import type { PeekDecision } from './peek.js';
import { readSni } from './sni.js';

/** What the public TLS port reads first: a client's ClientHello, or a device's data connection hello. */
export type Opening = { serverName: string; acmeAlpn: boolean; dataHello?: undefined } | { dataHello: DataHello; serverName?: undefined };

export function parseOpening(data: Buffer, clientHelloBytes: number): PeekDecision<Opening> {
  if (looksLikeDataHello(data)) {
    const d = parseDataHello(data);
    return d.kind === 'ok' ? { kind: 'ok', dataHello: d.hello } : d;
  }
  const sni = readSni(data, clientHelloBytes);
  return sni.kind === 'ok' ? { kind: 'ok', serverName: sni.serverName, acmeAlpn: sni.acmeAlpn } : sni;
}

interface Spare {
  socket: Socket;
  seq: number;
  drop: () => void;
}

/** One tunnel session's spares. Owned by its DeviceTunnel, which closes it with the tunnel. */
export class SpareConnections {
  readonly sid = randomBytes(SESSION_ID_BYTES);
  readonly secret = randomBytes(SECRET_BYTES);
  private readonly keys: DataKeys = deriveDataKeys(this.secret, this.sid);
  private lastSeq = 0;
  private readonly idle: Spare[] = [];
  private closed = false;

  constructor(private readonly hub: DataConnHub, private readonly maxSpares: number) {}

  get size(): number {
    return this.idle.length;
  }

  /** Verifies a hello for this session and keeps the connection as a spare. Returns why it was refused, or null. */
  offer(socket: Socket, hello: DataHello): string | null {
    if (this.closed) return 'session closed';
    if (!verifyDataHello(hello, this.keys)) return 'hello does not authenticate';
    if (hello.seq <= this.lastSeq) return `connection number ${hello.seq} already used`;
    this.lastSeq = hello.seq;
    if (this.idle.length >= this.maxSpares) return `device already has ${this.maxSpares} spare connections`;
    const drop = (): void => {
      const i = this.idle.indexOf(entry);
      if (i >= 0) this.idle.splice(i, 1);
      socket.destroy();
    };
    const entry: Spare = { socket, seq: hello.seq, drop };
    this.idle.push(entry);
    // A spare must stay silent until it is given a client; it lives as long as the tunnel (TCP keepalive keeps NAT
    // mappings open and finds dead peers), so the public port's idle timeout does not apply to it.
    socket.setTimeout(0);
    socket.setKeepAlive(true, 15_000);
    socket.on('data', drop);
    socket.once('end', drop);
    socket.once('close', drop);
    socket.resume();
    return null;
  }

  /** Takes the freshest spare for a client and writes the stream's sealed metadata to it, or undefined if none. */
  take(meta: StreamMeta): Socket | undefined {
    const entry = this.idle.pop();
    if (!entry) return undefined;
    const { socket, seq, drop } = entry;
    socket.off('data', drop);
    socket.off('end', drop);
    socket.off('close', drop);
    socket.write(sealMeta(meta, seq, this.keys));
    return socket;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.hub.forget(this);
    for (const { socket } of this.idle.splice(0)) socket.destroy();
  }
}

export class DataConnHub {
  private readonly sessions = new Map<string, SpareConnections>();

  constructor(private readonly maxSpares: number, private readonly log: Logger) {}

  open(): SpareConnections {
    const s = new SpareConnections(this, this.maxSpares);
    this.sessions.set(s.sid.toString('hex'), s);
    return s;
  }

  forget(s: SpareConnections): void {
    if (this.sessions.get(s.sid.toString('hex')) === s) this.sessions.delete(s.sid.toString('hex'));
  }

  /** A verified hello joins its session's spares; anything else closes that connection only. */
  accept(socket: Socket, hello: DataHello): void {
    const session = this.sessions.get(hello.sid.toString('hex'));
    const refused = session ? session.offer(socket, hello) : 'unknown session';
    if (refused === null) return;
    this.log.debug({ remoteAddress: socket.remoteAddress, reason: refused }, 'data connection refused');
    socket.destroy();
  }
}

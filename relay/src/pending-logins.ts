// Connections on the tunnel port that have not finished a login yet (TLS handshake, ALPN or WebSocket upgrade,
// challenge and signed hello). A device logs in within a few round trips; a slow-loris connection idles until the
// handshake or login timeout. At most `max` wait at once: a newcomer beyond that takes the place of the oldest one that
// has waited at least 1 s (pending.ts), so silent connections cannot keep devices from logging in, and while every
// waiting connection is fresh, newcomers are refused.
// The TLS server hands over the TCP socket ('connection') and later its TLS socket ('secureConnection') with no public
// link between them: both carry the same peer address and port, which name one TCP connection while it is open.
import type { Socket } from 'node:net';
import { PendingConnections } from './pending.js';
import type { Clock } from './rate-limit.js';

interface Peer { remoteAddress?: string | undefined; remotePort?: number | undefined }
const peerKey = (p: Peer): string => `${p.remoteAddress ?? '?'}|${p.remotePort ?? '?'}`;

export class PendingLogins {
  /** Each waiting connection, and its close listener (removed with it: a tunnel keeps nothing of this). */
  private readonly byPeer = new Map<string, { raw: Socket; onClose: () => void }>();
  private readonly waiting: PendingConnections<Socket>;

  constructor(clock: Clock, private readonly max: number) {
    this.waiting = new PendingConnections(clock);
  }

  /** A new TCP connection on the tunnel port. Returns the connection it evicted (already destroyed), or false when
   * the newcomer must be refused, or true. */
  admit(raw: Socket): Socket | boolean {
    let evicted: Socket | undefined;
    if (this.byPeer.size >= this.max) {
      evicted = this.waiting.takeEvictable();
      if (!evicted) return false;
      this.forget(evicted);
      evicted.destroy();
    }
    const onClose = (): void => this.forget(raw);
    this.byPeer.set(peerKey(raw), { raw, onClose });
    this.waiting.add(raw);
    raw.once('close', onClose);
    return evicted ?? true;
  }

  /** The login on the connection to `peer` has ended, with a tunnel or a refusal: it no longer waits. */
  done(peer: Peer): void {
    const entry = this.byPeer.get(peerKey(peer));
    if (entry) this.forget(entry.raw);
  }

  get size(): number {
    return this.byPeer.size;
  }

  private forget(raw: Socket): void {
    const key = peerKey(raw);
    const entry = this.byPeer.get(key);
    if (entry?.raw === raw) {
      this.byPeer.delete(key);
      raw.off('close', entry.onClose);
    }
    this.waiting.delete(raw);
  }
}

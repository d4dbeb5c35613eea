// Connections on the public ports whose first bytes (a ClientHello, a request head, a data connection's hello) have
// not been read yet, oldest first. A client sends its hello at once, so it waits here for a round trip; a slow-loris
// connection waits until the hello timeout. When the public ports are full (`maxClientConnections`), a newcomer takes
// the place of the oldest connection that has waited at least `evictAfterMs`: silent connections cannot lock new
// clients out, while a full table of connections that did speak (real traffic) still refuses newcomers.
// A cap per source address was set aside: clients behind one carrier-grade NAT share an address (as the relay
// benchmark's 1,000 concurrent clients do), and an attacker with many addresses is not bound by it.
import type { Clock } from './rate-limit.js';

/** How long a connection must have waited for its hello before a newcomer may take its place. */
export const EVICT_AFTER_MS = 1000;

export class PendingConnections<T> {
  /** Map order is insertion order: the first entry is the oldest. */
  private readonly since = new Map<T, number>();

  constructor(private readonly clock: Clock, private readonly evictAfterMs = EVICT_AFTER_MS) {}

  add(conn: T): void {
    this.since.set(conn, this.clock.now());
  }

  /** Its hello was read, or it closed. */
  delete(conn: T): void {
    this.since.delete(conn);
  }

  /** Removes and returns the oldest connection if it has waited at least `evictAfterMs`; undefined otherwise. */
  takeEvictable(): T | undefined {
    const oldest = this.since.entries().next();
    if (oldest.done) return undefined;
    const [conn, since] = oldest.value;
    if (this.clock.now() - since < this.evictAfterMs) return undefined;
    this.since.delete(conn);
    return conn;
  }

  get size(): number {
    return this.since.size;
  }
}

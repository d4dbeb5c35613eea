// Remembers nonces of accepted requests for as long as their timestamp could still pass the skew check,
// so a captured request cannot be sent again. Bounded: when full of live entries it refuses new requests
// (429) rather than forgetting live nonces, which would reopen the replay window.
export class ReplayCache {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly maxEntries: number,
    /** How long a nonce must be remembered: 2 × skew covers a timestamp anywhere inside the window. */
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Records the nonce; 'replay' if seen, 'full' if no room, 'ok' otherwise. */
  remember(key: string): 'ok' | 'replay' | 'full' {
    const now = this.now();
    this.prune(now);
    const expires = this.entries.get(key);
    if (expires !== undefined && expires > now) return 'replay';
    if (this.entries.size >= this.maxEntries) return 'full';
    this.entries.set(key, now + this.ttlMs);
    return 'ok';
  }

  /** Entries are inserted with a non-decreasing expiry, so expired ones are always at the front. */
  private prune(now: number): void {
    for (const [key, expires] of this.entries) {
      if (expires > now) break;
      this.entries.delete(key);
    }
  }
}

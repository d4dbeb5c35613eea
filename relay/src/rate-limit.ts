// Token buckets keyed by source IP or device ID, for tunnel logins. Time comes from the injected clock so the
// decision is testable; the map is pruned of full buckets so a flood of distinct keys does not grow memory forever.
export interface Clock {
  now(): number;
}

export interface BucketOptions {
  /** Burst size. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
  /** Bound on tracked keys; the oldest is dropped beyond it. */
  maxKeys?: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly options: BucketOptions, private readonly clock: Clock) {}

  /** Takes one token for `key`; false means over the limit. */
  take(key: string): boolean {
    const now = this.clock.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.options.capacity, at: now };
    const refilled = Math.min(this.options.capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.options.refillPerSecond);
    if (refilled < 1) {
      this.buckets.set(key, { tokens: refilled, at: now });
      return false;
    }
    this.buckets.delete(key); // re-insert to keep Map order = recency
    this.buckets.set(key, { tokens: refilled - 1, at: now });
    const max = this.options.maxKeys ?? 100_000;
    if (this.buckets.size > max) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    return true;
  }
}

// Crash-loop back-off: each restart within a window doubles the wait before the next one, up to a cap,
// and a service restarted often enough in the window is reported as crash-looping. Pure given `now`.
export interface BackoffPolicy {
  windowMs: number;
  baseMs: number;
  maxMs: number;
  /** Restarts within the window from which the service counts as crash-looping. */
  loopThreshold: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { windowMs: 10 * 60_000, baseMs: 1_000, maxMs: 5 * 60_000, loopThreshold: 4 };

/** Delay after the most recent restart before another is allowed. The first restart is immediate. */
export function backoffDelay(restartsInWindow: number, policy: BackoffPolicy): number {
  if (restartsInWindow <= 1) return 0;
  return Math.min(policy.baseMs * 2 ** (restartsInWindow - 2), policy.maxMs);
}

export class RestartTracker {
  private readonly history = new Map<string, number[]>();
  /** Why the service was last restarted: the owner must still see it while the restarted container is up. */
  private readonly lastReason = new Map<string, string>();

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {}

  record(key: string, now: number, reason?: string): void {
    const list = this.recent(key, now);
    list.push(now);
    this.history.set(key, list);
    if (reason) this.lastReason.set(key, reason);
    else this.lastReason.delete(key);
  }

  /** The reason given with the latest restart still inside the window. */
  reason(key: string, now: number): string | undefined {
    return this.restarts(key, now) > 0 ? this.lastReason.get(key) : undefined;
  }

  restarts(key: string, now: number): number {
    return this.recent(key, now).length;
  }

  crashLooping(key: string, now: number): boolean {
    return this.restarts(key, now) >= this.policy.loopThreshold;
  }

  /** `key` → earliest time of the next allowed restart, for every key currently held back. */
  backoffUntil(now: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key of this.history.keys()) {
      const list = this.recent(key, now);
      const last = list[list.length - 1];
      if (last === undefined) continue;
      const until = last + backoffDelay(list.length, this.policy);
      if (until > now) out[key] = until;
    }
    return out;
  }

  forget(key: string): void {
    this.history.delete(key);
    this.lastReason.delete(key);
  }

  private recent(key: string, now: number): number[] {
    return (this.history.get(key) ?? []).filter((t) => now - t < this.policy.windowMs);
  }
}

// Online guessing limit for pairing: at most `maxAttempts` per window; reaching it locks pairing (for that
// mode) for `lockoutMs`. Pure state transitions with the time passed in, wrapped by a tiny class holding state.
export interface LimitConfig {
  maxAttempts: number;
  windowMs: number;
  lockoutMs: number;
}

export interface LimitState {
  windowStart: number;
  attempts: number;
  lockedUntil: number;
}

export type LimitDecision = { allowed: true; state: LimitState } | { allowed: false; retryAfterMs: number; state: LimitState };

export const DEFAULT_PAIRING_LIMIT: LimitConfig = { maxAttempts: 10, windowMs: 15 * 60_000, lockoutMs: 15 * 60_000 };

export const initialLimitState = (): LimitState => ({ windowStart: 0, attempts: 0, lockedUntil: 0 });

export function decideAttempt(state: LimitState, now: number, cfg: LimitConfig): LimitDecision {
  if (now < state.lockedUntil) return { allowed: false, retryAfterMs: state.lockedUntil - now, state };
  const fresh = now - state.windowStart >= cfg.windowMs;
  const attempts = (fresh ? 0 : state.attempts) + 1;
  const windowStart = fresh ? now : state.windowStart;
  // The attempt that reaches the limit is still answered; the lock-out starts with it.
  const lockedUntil = attempts >= cfg.maxAttempts ? now + cfg.lockoutMs : 0;
  return { allowed: true, state: { windowStart, attempts: lockedUntil ? 0 : attempts, lockedUntil } };
}

export class AttemptLimiter {
  private state = initialLimitState();

  constructor(
    private readonly cfg: LimitConfig,
    private readonly now: () => number,
  ) {}

  /** Counts one attempt; returns the wait in ms when refused, undefined when allowed. */
  attempt(): number | undefined {
    const d = decideAttempt(this.state, this.now(), this.cfg);
    this.state = d.state;
    return d.allowed ? undefined : d.retryAfterMs;
  }

  /** A successful pairing forgives earlier failures. */
  reset(): void {
    this.state = initialLimitState();
  }
}

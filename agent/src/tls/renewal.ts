// When to renew, and how long to wait after a failure. Pure functions of times and a random number, so the
// schedule is tested without waiting.

export interface RenewalPolicy {
  /** Renew when this fraction of the lifetime has passed (Let's Encrypt suggests 2/3). */
  fraction: number;
  /** Up to this fraction of the lifetime is subtracted at random, so a fleet does not renew in lock-step. */
  jitterFraction: number;
  /** First retry delay after a failure; doubles per failure up to maxBackoffMs. */
  minBackoffMs: number;
  maxBackoffMs: number;
}

export const defaultRenewalPolicy: RenewalPolicy = {
  fraction: 2 / 3,
  jitterFraction: 0.05,
  minBackoffMs: 60_000,
  maxBackoffMs: 6 * 3_600_000,
};

/** Epoch ms at which a certificate valid from notBefore to notAfter should be renewed. `random` is in [0, 1). */
export function renewAt(notBefore: number, notAfter: number, policy: RenewalPolicy, random: number): number {
  const lifetime = Math.max(0, notAfter - notBefore);
  return notBefore + lifetime * policy.fraction - lifetime * policy.jitterFraction * random;
}

/** Whether a certificate is due for renewal (or unusable) at `now`. */
export function isDue(notBefore: number, notAfter: number, now: number, policy: RenewalPolicy): boolean {
  return now >= renewAt(notBefore, notAfter, policy, 0) || now >= notAfter;
}

/**
 * Delay before retry number `failures` (1 = first failure): exponential with jitter, capped, and never past the
 * point where the current certificate expires (retrying late is worse than retrying often).
 */
export function backoffDelay(failures: number, policy: RenewalPolicy, random: number, msUntilExpiry = Infinity): number {
  const exp = policy.minBackoffMs * 2 ** Math.max(0, failures - 1);
  const capped = Math.min(exp, policy.maxBackoffMs);
  const jittered = capped / 2 + (capped / 2) * random;
  const beforeExpiry = msUntilExpiry > policy.minBackoffMs ? msUntilExpiry / 2 : policy.minBackoffMs;
  return Math.max(policy.minBackoffMs / 2, Math.min(jittered, beforeExpiry));
}

/** setTimeout cannot wait longer than 2^31-1 ms (~24.8 days); longer waits re-arm in steps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

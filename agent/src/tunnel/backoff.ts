// Reconnect delay: exponential with "full jitter" (a random point in [base/2, base]) so that thousands of devices
// cut off by one relay restart do not all come back in the same instant. Pure: the random source is passed in.
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 10_000, factor: 2 };

export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt));
  return Math.round(base / 2 + (random() * base) / 2);
}

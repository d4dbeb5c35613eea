// Retries a read that never got an answer because the path blipped. A phone switching networks loses requests the
// device would have answered a moment later, and so does Chromium whenever it sees the host's network change: it
// fails every request in flight with net::ERR_NETWORK_CHANGED (seen in CI about 2 s after an app container started).
// Showing "Device unreachable" for that is wrong. Only GET and HEAD are retried: every admin write changes state and
// must not run twice. Wrap this *outside* signedTransport, so each attempt is signed afresh (a new nonce: the device
// refuses a replayed signature).
import type { Transport, TransportRequest } from './transport.js';

export interface RetryOptions {
  /** Pause before each retry, in order; its length is the number of retries. */
  delaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [300, 1000];

const IDEMPOTENT = new Set(['GET', 'HEAD']);

export function retryingTransport(inner: Transport, opts: RetryOptions = {}): Transport {
  const delays = opts.delaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (req: TransportRequest) => {
    if (!IDEMPOTENT.has(req.method.toUpperCase())) return inner(req);
    for (let retry = 0; ; retry++) {
      try {
        return await inner(req);
      } catch (err) {
        if (retry >= delays.length || !isNoAnswer(err)) throw err;
        await sleep(delays[retry]!);
      }
    }
  };
}

/**
 * The request got no HTTP answer at all: fetch rejects with a TypeError (browser "Failed to fetch", undici "fetch
 * failed"); node:http with a system error code (ECONNRESET, ECONNREFUSED, EPIPE…). Anything else (an abort, a
 * signing error, a bad URL) is not a network blip and is not retried.
 */
export function isNoAnswer(err: unknown): boolean {
  if (err instanceof TypeError) return !/invalid url|failed to parse url/i.test(err.message);
  const code = (err as { code?: unknown } | null)?.code;
  // System error codes only (ECONNRESET…); Node's own ERR_* codes are programming errors, not network blips.
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

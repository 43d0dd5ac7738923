/**
 * Retry policy for HTTP language-model calls: which failures are worth another try, and how long to
 * wait. Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and Jitter"):
 * many clients that failed together spread their retries instead of hitting a recovering server in
 * lockstep. A server's Retry-After wins over our own schedule, capped so a hostile value cannot park us.
 */

export interface BackoffOptions {
  /** First retry waits up to this long (ms). */
  baseMs: number;
  /** No wait exceeds this (ms), Retry-After included. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/** 408 request timeout, 409 (vLLM uses it for aborted requests), 425, 429 and every 5xx are transient. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/** Seconds or an HTTP date → milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Wait before retry number `attempt` (0-based): Retry-After when given, else full jitter on base·2^attempt. */
export function backoffDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  o: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, o.maxMs);
  const ceiling = Math.min(o.maxMs, o.baseMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

/** Sleeps `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

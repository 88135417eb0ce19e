/** When to retry a call to a connector's API, and how long to wait first. Pure functions. */

export interface RetryPolicy {
  /** Attempts in all (the first one included). */
  attempts: number;
  /** The first backoff; doubled per attempt, ±20 % jitter. */
  baseMs: number;
  /** The longest wait, `Retry-After` included: a longer `Retry-After` fails the call instead of waiting. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 500, maxDelayMs: 60_000 };

/** 429 and 5xx are worth another try; 501 (not implemented) and 505 are not. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/** `Retry-After` (RFC 9110 §10.2.3) in milliseconds: delay-seconds or an HTTP date; null when absent or bad. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return null;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/**
 * The wait before attempt `attempt + 1` after a retryable failure of attempt `attempt` (≥ 1), or null when
 * no attempt is left or the server asks for a longer pause than the policy allows.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number | null {
  if (attempt >= policy.attempts) return null;
  if (retryAfterMs !== null) return retryAfterMs > policy.maxDelayMs ? null : retryAfterMs;
  const exp = policy.baseMs * 2 ** (attempt - 1);
  return Math.min(policy.maxDelayMs, Math.round(exp * (0.8 + 0.4 * random())));
}

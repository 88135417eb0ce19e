/** Retry delays after a failed refresh: exponential with jitter, at least what the provider asked for. */

export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_MAX_MS = 5 * 60_000;
/** A client authentication failure is a configuration problem: do not retry it often. */
export const INVALID_CLIENT_COOLDOWN_MS = 5 * 60_000;

/** Delay before attempt `failures + 1` (failures ≥ 1), ±20 % jitter, never below `retryAfterS`. */
export function backoffMs(
  failures: number,
  retryAfterS: number | undefined,
  random: () => number = Math.random,
): number {
  const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  const jittered = exp * (0.8 + 0.4 * random());
  return Math.round(Math.max(jittered, (retryAfterS ?? 0) * 1000));
}

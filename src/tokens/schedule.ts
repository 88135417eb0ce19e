/**
 * When tokens are due (DESIGN §6), as pure functions of times in milliseconds.
 */

/** Lifetime assumed when a token response has no `expires_in` (RFC 6749 §5.1 makes it optional). */
export const DEFAULT_EXPIRES_IN_S = 3600;

/** Skew for hand-outs: a cached token is served while it has more than this left (60 s, or half its life). */
export function handOutSkewMs(issuedAt: number, expiresAt: number): number {
  return Math.min(60_000, Math.max(0, expiresAt - issuedAt) / 2);
}

/**
 * The refresher renews a token when its remaining life falls below `aheadMs` or half its lifetime,
 * whichever is shorter — so a 5-minute token is renewed at 2.5 minutes left, never in a loop.
 */
export function refreshDueAt(issuedAt: number, expiresAt: number, aheadMs: number): number {
  const lifetime = Math.max(0, expiresAt - issuedAt);
  return expiresAt - Math.min(aheadMs, lifetime / 2);
}

/** Whether a cached access token may still be handed out at `now`. */
export function isFresh(issuedAt: number, expiresAt: number, now: number): boolean {
  return now < expiresAt - handOutSkewMs(issuedAt, expiresAt);
}

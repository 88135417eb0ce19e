/**
 * Request rate limits: a token bucket per caller (API key, signed-in user, or client address for
 * unauthenticated requests), in this process's memory. A bucket holds a minute's allowance and refills
 * continuously, so a caller may burst up to the limit and then sustain `perMinute` requests a minute.
 * Nothing is written anywhere per request; in a cluster the limit applies per process.
 */

export interface RateLimiter {
  readonly perMinute: number;
  /** Take one request from `key`'s bucket: 0 when allowed, else the milliseconds until one is. */
  take(key: string): number;
  /** Like `take`, but only looks: 0 when `key` could make a request now. */
  peek(key: string): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets idle this long are full again and are forgotten. */
const IDLE_MS = 60_000;

export function createRateLimiter(opts: { perMinute: number; clock?: () => number }): RateLimiter | null {
  const { perMinute } = opts;
  if (perMinute <= 0) return null;
  const clock = opts.clock ?? Date.now;
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, Bucket>();
  let sweptAt = clock();

  function sweep(now: number): void {
    sweptAt = now;
    for (const [key, b] of buckets) if (now - b.at >= IDLE_MS) buckets.delete(key);
  }

  function refill(key: string, now: number): Bucket {
    let b = buckets.get(key);
    if (!b) {
      b = { tokens: perMinute, at: now };
      buckets.set(key, b);
    } else if (now > b.at) {
      b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * perMs);
      b.at = now;
    }
    return b;
  }

  // (Less a hair, so that floating-point dust does not add a millisecond.)
  const wait = (b: Bucket) => Math.max(1, Math.ceil((1 - b.tokens) / perMs - 1e-6));

  return {
    perMinute,
    take(key) {
      const now = clock();
      if (now - sweptAt >= IDLE_MS) sweep(now);
      const b = refill(key, now);
      if (b.tokens < 1) return wait(b);
      b.tokens -= 1;
      return 0;
    },
    peek(key) {
      const b = buckets.get(key);
      if (!b) return 0;
      const now = clock();
      const tokens = Math.min(perMinute, b.tokens + Math.max(0, now - b.at) * perMs);
      return tokens >= 1 ? 0 : wait({ tokens, at: now });
    },
  };
}

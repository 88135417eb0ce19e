import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit.js';

function limiter(perMinute: number) {
  let now = 1_000_000;
  const l = createRateLimiter({ perMinute, clock: () => now })!;
  return { l, advance: (ms: number) => (now += ms) };
}

describe('rate limiter (token bucket)', () => {
  it('allows a minute’s worth at once, then one more per 60/limit seconds', () => {
    const { l, advance } = limiter(60);
    for (let i = 0; i < 60; i++) expect(l.take('k')).toBe(0);
    expect(l.take('k')).toBe(1000);
    advance(999);
    expect(l.take('k')).toBe(1);
    advance(1);
    expect(l.take('k')).toBe(0);
    expect(l.take('k')).toBe(1000);
  });

  it('keeps one bucket per key, and peeks without taking', () => {
    const { l } = limiter(2);
    expect(l.peek('a')).toBe(0);
    l.take('a');
    l.take('a');
    expect(l.peek('a')).toBe(30_000);
    expect(l.take('b')).toBe(0);
    expect(l.peek('a')).toBe(30_000);
  });

  it('refills to the limit, never beyond, and forgets idle callers', () => {
    const { l, advance } = limiter(3);
    l.take('k');
    advance(3_600_000);
    for (let i = 0; i < 3; i++) expect(l.take('k')).toBe(0);
    expect(l.take('k')).toBeGreaterThan(0);
  });

  it('is off at 0', () => {
    expect(createRateLimiter({ perMinute: 0 })).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { BACKOFF_MAX_MS, backoffMs } from './backoff.js';

describe('refresh backoff', () => {
  it('doubles per failure with ±20 % jitter, capped', () => {
    expect(backoffMs(1, undefined, () => 0.5)).toBe(2_000);
    expect(backoffMs(2, undefined, () => 0.5)).toBe(4_000);
    expect(backoffMs(3, undefined, () => 0)).toBe(6_400);
    expect(backoffMs(3, undefined, () => 1)).toBe(9_600);
    expect(backoffMs(30, undefined, () => 0.5)).toBe(BACKOFF_MAX_MS);
  });
  it('honours Retry-After when it is longer', () => {
    expect(backoffMs(1, 120, () => 0.5)).toBe(120_000);
    expect(backoffMs(8, 1, () => 0.5)).toBe(256_000);
  });
});

import { describe, expect, it } from 'vitest';
import { handOutSkewMs, isFresh, refreshDueAt } from './schedule.js';

const MIN = 60_000;

describe('token schedule', () => {
  it('renews an hour-long token 5 minutes before expiry with the default ahead time', () => {
    expect(refreshDueAt(0, 60 * MIN, 5 * MIN)).toBe(55 * MIN);
  });
  it('renews a 5-minute token at half its life, never in a loop', () => {
    const due = refreshDueAt(0, 5 * MIN, 5 * MIN);
    expect(due).toBe(2.5 * MIN);
    // After renewal at the due time, the next due time is later again.
    expect(refreshDueAt(due, due + 5 * MIN, 5 * MIN)).toBeGreaterThan(due + MIN);
  });
  it('hands out a token until 60 s before expiry, or half its life when shorter', () => {
    expect(handOutSkewMs(0, 60 * MIN)).toBe(MIN);
    expect(handOutSkewMs(0, 2_000)).toBe(1_000);
    expect(isFresh(0, 60 * MIN, 58 * MIN)).toBe(true);
    expect(isFresh(0, 60 * MIN, 59 * MIN)).toBe(false);
    expect(isFresh(0, 2_000, 999)).toBe(true);
    expect(isFresh(0, 2_000, 1_000)).toBe(false);
  });
});

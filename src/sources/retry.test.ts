import { describe, expect, it } from 'vitest';
import { isRetryableStatus, parseRetryAfter, retryDelayMs } from './retry.js';

const policy = { attempts: 3, baseMs: 100, maxDelayMs: 5_000 };

describe('retry', () => {
  it('retries 429 and 5xx, not 4xx, 501 or 505', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 404, 409, 501, 505].some(isRetryableStatus)).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('-1', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('backs off exponentially with jitter, honours Retry-After, and stops after the attempts', () => {
    expect(retryDelayMs(policy, 1, null, () => 0.5)).toBe(100);
    expect(retryDelayMs(policy, 2, null, () => 0.5)).toBe(200);
    expect(retryDelayMs(policy, 2, null, () => 0)).toBe(160);
    expect(retryDelayMs(policy, 1, 2_000)).toBe(2_000);
    expect(retryDelayMs(policy, 1, 6_000)).toBeNull();
    expect(retryDelayMs(policy, 3, null)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { STATUSES, nextStatus } from './status.js';

describe('credential status machine', () => {
  it('becomes active after a successful authorization from any status', () => {
    for (const s of STATUSES) expect(nextStatus(s, 'authorized')).toBe('active');
  });
  it('keeps the status when the user denies or the exchange fails', () => {
    for (const s of STATUSES) {
      expect(nextStatus(s, 'authorization_denied')).toBe(s);
      expect(nextStatus(s, 'authorization_failed')).toBe(s);
      expect(nextStatus(s, 'refresh_failed_transient')).toBe(s);
    }
  });
  it('requires reauthorization when the refresh token is rejected, unless revoked', () => {
    expect(nextStatus('active', 'refresh_rejected')).toBe('reauthorization_required');
    expect(nextStatus('active', 'tokens_lost')).toBe('reauthorization_required');
    expect(nextStatus('revoked', 'refresh_rejected')).toBe('revoked');
  });
  it('is revoked from any status on revocation', () => {
    for (const s of STATUSES) expect(nextStatus(s, 'revoked')).toBe('revoked');
  });
  it('a late refresh never resurrects a revoked credential', () => {
    expect(nextStatus('revoked', 'refreshed')).toBe('revoked');
    expect(nextStatus('reauthorization_required', 'refreshed')).toBe('active');
  });
});

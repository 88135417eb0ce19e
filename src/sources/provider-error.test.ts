import { describe, expect, it } from 'vitest';
import { clean, describeProviderError, parseProviderError } from './provider-error.js';

describe('provider errors', () => {
  it('reads the Marktplaats shape with its details', () => {
    const e = parseProviderError(
      JSON.stringify({
        code: 'validation-error',
        message: 'The advertisement is invalid',
        logref: 'abc',
        details: [{ field: 'title', code: 'missing', message: 'is required' }],
      }),
    );
    expect(e).toEqual({
      code: 'validation-error',
      message: 'The advertisement is invalid',
      details: [{ field: 'title', code: 'missing', message: 'is required' }],
    });
    expect(describeProviderError(400, e)).toBe(
      'HTTP 400 validation-error: The advertisement is invalid (title is required)',
    );
  });

  it('reads OAuth-style and nested error bodies; quotes nothing else', () => {
    expect(parseProviderError('{"error":"invalid_token","error_description":"expired"}')).toMatchObject({
      code: 'invalid_token',
      message: 'expired',
    });
    expect(parseProviderError('{"error":{"code":"x","message":"y"}}')).toMatchObject({
      code: 'x',
      message: 'y',
    });
    expect(parseProviderError('<html>secret page</html>')).toEqual({
      code: null,
      message: null,
      details: [],
    });
    expect(describeProviderError(502, parseProviderError('<html>'))).toBe('HTTP 502');
  });

  it('masks secrets, control characters and long text', () => {
    expect(clean('token abcdefgh1234 leaked', ['abcdefgh1234'])).toBe('token [REDACTED] leaked');
    expect(clean('a\nb\u0000c')).toBe('a b c');
    expect(clean('x'.repeat(300))).toHaveLength(200);
    const e = parseProviderError(JSON.stringify({ code: 'c', message: 'your token is abcdefgh1234' }), [
      'abcdefgh1234',
    ]);
    expect(e.message).toBe('your token is [REDACTED]');
  });
});

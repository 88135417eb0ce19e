import { describe, expect, it } from 'vitest';
import { proxyTarget } from './target.js';

const BASE = 'https://api.2ememain.be/v1';

describe('proxy target', () => {
  it('appends the path and query to the base URL', () => {
    const r = proxyTarget(BASE, 'advertisements/m123', 'offset=0&limit=10');
    expect(r.ok && r.url.toString()).toBe('https://api.2ememain.be/v1/advertisements/m123?offset=0&limit=10');
    const colon = proxyTarget(BASE, 'items:batchGet', '');
    expect(colon.ok && colon.url.pathname).toBe('/v1/items:batchGet');
    const encoded = proxyTarget(BASE, 'search/caf%C3%A9%20bar', '');
    expect(encoded.ok && encoded.url.pathname).toBe('/v1/search/caf%C3%A9%20bar');
  });

  it.each([
    ['..', '../admin'],
    ['%2e%2e', '%2e%2e/admin'],
    ['mixed case %2E.', '%2E./admin'],
    ['nested', 'a/../../admin'],
    ['single dot', './x'],
    ['encoded slash', '..%2fadmin'],
    ['encoded backslash', 'a%5c..%5cadmin'],
    ['double slash host', '/evil.example/x'],
    ['absolute URL', 'http://evil.example/x'],
    ['encoded absolute URL', 'http%3A%2F%2Fevil.example'],
    ['scheme-relative', '//evil.example'],
    ['control character', 'a%0d%0aHost:evil'],
    ['bad encoding', '%zz'],
  ])('refuses %s', (_label, rest) => {
    expect(proxyTarget(BASE, rest, '').ok).toBe(false);
  });

  it('keeps a base URL without a path', () => {
    const r = proxyTarget('https://api.example', 'me', '');
    expect(r.ok && r.url.toString()).toBe('https://api.example/me');
  });
});

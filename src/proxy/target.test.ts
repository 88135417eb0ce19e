import { describe, expect, it } from 'vitest';
import { proxyTarget } from './target.js';

const BASE = 'https://api.2ememain.be/v1';

const href = (r: ReturnType<typeof proxyTarget>) => (r.ok ? r.target.origin + r.target.path : r.reason);

describe('proxy target', () => {
  it('appends the path and query to the base URL', () => {
    const r = proxyTarget(BASE, 'advertisements/m123', 'offset=0&limit=10');
    expect(href(r)).toBe('https://api.2ememain.be/v1/advertisements/m123?offset=0&limit=10');
    expect(r.ok && r.target.pathname).toBe('/v1/advertisements/m123');
    const colon = proxyTarget(BASE, 'items:batchGet', '');
    expect(colon.ok && colon.target.path).toBe('/v1/items:batchGet');
    const encoded = proxyTarget(BASE, 'search/caf%C3%A9%20bar', '');
    expect(encoded.ok && encoded.target.path).toBe('/v1/search/caf%C3%A9%20bar');
  });

  it('normalises what the URL parser normalises: spaces, quotes and non-ASCII are percent-encoded', () => {
    expect(href(proxyTarget(BASE, 'search/café', 'q=a b&t="x"&n=it\'s'))).toBe(
      'https://api.2ememain.be/v1/search/caf%C3%A9?q=a%20b&t=%22x%22&n=it%27s',
    );
  });

  it('gives, for any path and query, what the URL parser gives', () => {
    // The plain-character shortcut must never differ from parsing: random paths and queries over an
    // alphabet of plain characters, characters the parser encodes, and percent-encodings.
    const plain = [..."abcXYZ019-._~!$&'()*+,;=:@", '%20', '%2e', '%41'];
    const other = [...' "<>`{}^|[]\\é\t', '%zz', '%'];
    // mulberry32: a small seeded generator, so that a failure can be replayed.
    let seed = 7;
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const pick = (chars: string[]) => chars[random(chars.length)]!;
    // Mostly plain characters, with now and then one the parser may encode, so both ways are taken.
    const word = (max: number, extra: string[] = []) =>
      Array.from({ length: 1 + random(max) }, () =>
        random(8) === 0 ? pick([...other, ...extra]) : pick([...plain, ...extra]),
      ).join('');
    let compared = 0;
    for (let i = 0; i < 20_000; i++) {
      const rest = Array.from({ length: 1 + random(3) }, () => word(6)).join('/');
      const query = random(4) === 0 ? '' : word(12, ['?', '/']);
      const r = proxyTarget(BASE, rest, query);
      if (!r.ok) continue;
      const url = new URL(`${BASE}/${rest}${query ? `?${query}` : ''}`);
      expect({ rest, query, ...r.target }).toEqual({
        rest,
        query,
        origin: url.origin,
        pathname: url.pathname,
        path: url.pathname + url.search,
      });
      compared++;
    }
    expect(compared).toBeGreaterThan(10_000);
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
    expect(href(r)).toBe('https://api.example/me');
  });
});

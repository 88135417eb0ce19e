import { describe, expect, it } from 'vitest';
import type { Pagination } from '../connectors/index.js';
import {
  advance,
  buildUrl,
  firstPage,
  isUnderBase,
  recordsOf,
  totalOf,
  valueAt,
  type PagerState,
} from './paging.js';

const BASE = 'https://api.example.test/v1';
const offset: Pagination = { type: 'offset', offsetParam: 'offset', limitParam: 'limit', limit: 100 };
const page = (count: number, total: number | null = null, body: unknown = {}) => ({ count, total, body });

describe('paging', () => {
  it('builds URLs with params, repeating list values', () => {
    expect(buildUrl(`${BASE}/`, '/ads', { q: 'vélo a', tag: ['x', 'y'], n: 2, b: true })).toBe(
      `${BASE}/ads?q=v%C3%A9lo+a&tag=x&tag=y&n=2&b=true`,
    );
  });

  it('offset: starts at 0, advances by the limit, stops at a short page, an empty page or the total', () => {
    const first = firstPage({ baseUrl: BASE, path: '/ads' }, offset, { q: 'x' });
    expect(first.url).toBe(`${BASE}/ads?q=x&offset=0&limit=100`);
    const second = advance(offset, first, page(100), BASE);
    expect(second).toMatchObject({
      done: false,
      next: { url: `${BASE}/ads?q=x&offset=100&limit=100`, fetched: 100 },
    });
    const s2 = (second as { next: PagerState }).next;
    expect(advance(offset, s2, page(99), BASE)).toEqual({ done: true });
    expect(advance(offset, s2, page(0), BASE)).toEqual({ done: true });
    expect(advance(offset, s2, page(100, 200), BASE)).toEqual({ done: true });
    expect(advance(offset, s2, page(100, 201), BASE)).toMatchObject({ done: false });
  });

  it('offset: a preview asks for a smaller first page', () => {
    expect(firstPage({ baseUrl: BASE, path: '/ads' }, offset, {}, 10).url).toBe(
      `${BASE}/ads?offset=0&limit=10`,
    );
  });

  it('page: counts from start, with or without a size', () => {
    const p: Pagination = { type: 'page', param: 'p', start: 0, sizeParam: 'n', size: 2 };
    const first = firstPage({ baseUrl: BASE, path: '/x' }, p, {});
    expect(first.url).toBe(`${BASE}/x?p=0&n=2`);
    const next = advance(p, first, page(2), BASE) as { next: PagerState };
    expect(next.next.url).toBe(`${BASE}/x?p=1&n=2`);
    expect(advance(p, next.next, page(1), BASE)).toEqual({ done: true });
    const unsized: Pagination = { type: 'page', param: 'page', start: 1 };
    const u = firstPage({ baseUrl: BASE, path: '/x' }, unsized, {});
    expect(u.url).toBe(`${BASE}/x?page=1`);
    expect(advance(unsized, u, page(1), BASE)).toMatchObject({
      done: false,
      next: { url: `${BASE}/x?page=2` },
    });
    expect(advance(unsized, u, page(0), BASE)).toEqual({ done: true });
  });

  it('link: follows relative links, stops without one, refuses other origins, prefixes and loops', () => {
    const link: Pagination = { type: 'link', nextPath: '_links.next.href' };
    const first = firstPage({ baseUrl: BASE, path: '/ads' }, link, {});
    const body = (href: unknown) => ({ _links: { next: { href } } });
    expect(advance(link, first, page(1, null, body('ads?cursor=2')), BASE)).toMatchObject({
      done: false,
      next: { url: `${BASE}/ads?cursor=2` },
    });
    expect(advance(link, first, page(1, null, {}), BASE)).toEqual({ done: true });
    expect(advance(link, first, page(1, null, body(null)), BASE)).toEqual({ done: true });
    for (const href of [
      'https://evil.test/v1/ads',
      'http://api.example.test/v1/ads',
      'https://api.example.test:8443/v1/ads',
      'https://api.example.test/v2/ads',
      'https://api.example.test/v1x/ads',
      'https://api.example.test/v1/../admin',
      '//evil.test/v1/ads',
      'https://user:pw@api.example.test/v1/ads',
    ]) {
      expect(advance(link, first, page(1, null, body(href)), BASE)).toMatchObject({
        error: { code: 'link_outside_api' },
      });
    }
    expect(advance(link, first, page(1, null, body(first.url)), BASE)).toMatchObject({
      error: { code: 'pagination_loop' },
    });
    expect(advance(link, first, page(1, null, body(42)), BASE)).toMatchObject({
      error: { code: 'invalid_response' },
    });
  });

  it('no pagination: one page', () => {
    const first = firstPage({ baseUrl: BASE, path: '/me' }, undefined, {});
    expect(first.url).toBe(`${BASE}/me`);
    expect(advance(undefined, first, page(5), BASE)).toEqual({ done: true });
  });

  it('reads records at a dotted path (HAL keys with colons), an empty page when absent', () => {
    const body = { _embedded: { 'mp:advertisement': [{ a: 1 }, 2] } };
    expect(valueAt(body, '_embedded.mp:advertisement')).toEqual([{ a: 1 }, 2]);
    expect(recordsOf(body, '_embedded.mp:advertisement')).toEqual({
      ok: true,
      records: [{ a: 1 }, { value: 2 }],
    });
    expect(recordsOf({}, '_embedded.mp:advertisement')).toEqual({ ok: true, records: [] });
    expect(recordsOf([{ a: 1 }], undefined)).toEqual({ ok: true, records: [{ a: 1 }] });
    expect(recordsOf({ a: 1 }, undefined)).toMatchObject({ ok: false });
    expect(recordsOf({ items: 'x' }, 'items')).toMatchObject({
      ok: false,
      error: { code: 'invalid_response' },
    });
    expect(valueAt({ a: { b: 1 } }, 'a.toString')).toBeUndefined();
  });

  it('finds an announced total', () => {
    expect(totalOf({ totalCount: 250 })).toBe(250);
    expect(totalOf({ total: 3 })).toBe(3);
    expect(totalOf({ total: '3' })).toBeNull();
    expect(totalOf([1])).toBeNull();
  });

  it('keeps a link under the base URL', () => {
    expect(isUnderBase(new URL(`${BASE}`), BASE)).toBe(true);
    expect(isUnderBase(new URL(`${BASE}/a/b`), BASE)).toBe(true);
    expect(isUnderBase(new URL('https://api.example.test/other'), 'https://api.example.test')).toBe(true);
    expect(isUnderBase(new URL('https://api.example.test/v10'), BASE)).toBe(false);
  });
});

/**
 * Paging as pure steps (DESIGN §3): the first request's URL, the records of a response (`recordsPath`),
 * the total it announces, and the next request — `offset`, `page` or `link` — or the end. A `link` URL must
 * stay on the connector's `api.baseUrl` (origin and path prefix). No I/O here.
 */
import type { Pagination } from '../connectors/index.js';

export type ParamValue = string | number | boolean;
export type QueryParams = Record<string, ParamValue | ParamValue[]>;

/** Why paging cannot go on: becomes the run's error. */
export interface PagingError {
  code: 'link_outside_api' | 'pagination_loop' | 'invalid_response';
  message: string;
}

/** Where the next request goes, and the counters that decide when to stop. */
export interface PagerState {
  url: string;
  /** Records seen so far (all pages before this one). */
  fetched: number;
  /** `offset`: the offset of this request; `page`: its page number. */
  position: number;
  /** Every URL requested so far (a `link` that comes back is a loop). */
  seen: string[];
}

export type Advance = { done: true } | { done: false; next: PagerState } | { error: PagingError };

/** `base` + `path` with the query parameters appended (arrays repeat the name). */
export function buildUrl(baseUrl: string, path: string, query: QueryParams): string {
  const url = new URL(baseUrl.replace(/\/+$/, '') + path);
  for (const [name, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(v));
  }
  return url.toString();
}

/** The query names a pagination sets itself (a source's `params` may not set them). */
export function pagingParamNames(p: Pagination | undefined): string[] {
  if (!p) return [];
  if (p.type === 'offset') return [p.offsetParam, p.limitParam];
  if (p.type === 'page') return p.sizeParam ? [p.param, p.sizeParam] : [p.param];
  return [];
}

/** The page size the pagination asks for, if it asks for one. */
export function pageSize(p: Pagination | undefined): number | null {
  if (!p) return null;
  if (p.type === 'offset') return p.limit;
  if (p.type === 'page') return p.size ?? null;
  return null;
}

function pagingQuery(p: Pagination | undefined, position: number, size: number | null): QueryParams {
  if (!p || p.type === 'link') return {};
  if (p.type === 'offset') return { [p.offsetParam]: position, [p.limitParam]: size ?? p.limit };
  const q: QueryParams = { [p.param]: position };
  if (p.sizeParam && size !== null) q[p.sizeParam] = size;
  return q;
}

/**
 * The first request. `sizeOverride` asks for a smaller first page (a preview); the pagination's own size
 * otherwise.
 */
export function firstPage(
  api: { baseUrl: string; path: string },
  pagination: Pagination | undefined,
  params: QueryParams,
  sizeOverride?: number,
): PagerState {
  const size = sizeOverride ?? pageSize(pagination);
  const position = pagination?.type === 'page' ? pagination.start : 0;
  const url = buildUrl(api.baseUrl, api.path, {
    ...params,
    ...pagingQuery(pagination, position, size),
  });
  return { url, fetched: 0, position, seen: [url] };
}

/** The value at a dotted path (`_embedded.mp:advertisement`); undefined when any step is missing. */
export function valueAt(body: unknown, dotted: string): unknown {
  let v: unknown = body;
  for (const key of dotted.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

export type RecordObject = Record<string, unknown>;

/**
 * The records of a response: the array at `recordsPath` (a missing or null value is an empty page, as HAL
 * omits an empty `_embedded`), or the body itself when it is an array and no path is set. A record that is
 * not a JSON object is kept as `{ value }`.
 */
export function recordsOf(
  body: unknown,
  recordsPath: string | undefined,
): { ok: true; records: RecordObject[] } | { ok: false; error: PagingError } {
  const at = recordsPath ? valueAt(body, recordsPath) : body;
  if (at === undefined || at === null) {
    if (recordsPath) return { ok: true, records: [] };
    return {
      ok: false,
      error: { code: 'invalid_response', message: 'the response is not a list of records' },
    };
  }
  if (!Array.isArray(at)) {
    return {
      ok: false,
      error: {
        code: 'invalid_response',
        message: recordsPath
          ? `the response has no list of records at "${recordsPath}"`
          : 'the response is not a list of records (the resource has no recordsPath)',
      },
    };
  }
  return {
    ok: true,
    records: at.map((r: unknown) =>
      r !== null && typeof r === 'object' && !Array.isArray(r) ? (r as RecordObject) : { value: r },
    ),
  };
}

const TOTAL_FIELDS = ['totalCount', 'total', 'total_count', 'totalResults'];

/** The record count the API announces at its top level (`totalCount`, `total`, …), or null. */
export function totalOf(body: unknown): number | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  for (const field of TOTAL_FIELDS) {
    const v = (body as Record<string, unknown>)[field];
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  }
  return null;
}

/** True when `url` is on the base URL's origin and under its path. */
export function isUnderBase(url: URL, baseUrl: string): boolean {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  if (url.protocol !== base.protocol || url.origin !== base.origin) return false;
  if (url.username || url.password) return false;
  return prefix === '' || url.pathname === prefix || url.pathname.startsWith(`${prefix}/`);
}

/**
 * After a page with `count` records (and the API's `total`, if any): the next request, or the end.
 * `offset` and `page` stop at an empty page, a short page or the announced total; `link` follows
 * `nextPath` until it is absent.
 */
export function advance(
  pagination: Pagination | undefined,
  state: PagerState,
  page: { count: number; total: number | null; body: unknown },
  baseUrl: string,
): Advance {
  const fetched = state.fetched + page.count;
  if (!pagination) return { done: true };
  if (page.total !== null && fetched >= page.total) return { done: true };

  if (pagination.type === 'link') {
    const raw = valueAt(page.body, pagination.nextPath);
    if (raw === undefined || raw === null || raw === '') return { done: true };
    if (typeof raw !== 'string') {
      return {
        error: {
          code: 'invalid_response',
          message: `the next-page link at "${pagination.nextPath}" is not a URL`,
        },
      };
    }
    let next: URL;
    try {
      next = new URL(raw, state.url);
    } catch {
      return { error: { code: 'invalid_response', message: 'the next-page link is not a valid URL' } };
    }
    if (!isUnderBase(next, baseUrl)) {
      return {
        error: {
          code: 'link_outside_api',
          message: `the next-page link leads outside the connector's API (${next.origin}${next.pathname} is not under ${baseUrl}); not followed`,
        },
      };
    }
    const url = next.toString();
    if (state.seen.includes(url)) {
      return {
        error: { code: 'pagination_loop', message: 'the next-page link points to a page already read' },
      };
    }
    return { done: false, next: { url, fetched, position: state.position + 1, seen: [...state.seen, url] } };
  }

  const size = pageSize(pagination);
  if (page.count === 0) return { done: true };
  if (size !== null && page.count < size) return { done: true };
  const position = pagination.type === 'offset' ? state.position + pagination.limit : state.position + 1;
  const url = new URL(state.url);
  for (const [name, value] of Object.entries(pagingQuery(pagination, position, size))) {
    url.searchParams.set(name, String(value));
  }
  return { done: false, next: { url: url.toString(), fetched, position, seen: [] } };
}

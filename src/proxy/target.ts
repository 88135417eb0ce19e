/**
 * Where a proxied request goes: the connector's `api.baseUrl` + the rest of the path + the query. The rest
 * of the path is taken raw and checked segment by segment, so that no spelling of `..` (`%2e%2e`, `.%2E`),
 * no encoded slash or backslash, no empty segment (`//evil.example`) and no absolute URL can move the
 * request off the base URL's origin and path.
 */
export interface Target {
  /** `https://api.example` */
  origin: string;
  /** The path, without the query (error messages name it). */
  pathname: string;
  /** The path and the query: what is sent upstream. */
  path: string;
}

export type TargetResult = { ok: true; target: Target } | { ok: false; reason: string };

/** Base URLs parsed once: a connector's base URL is a handful of strings for the life of the process. */
const bases = new Map<string, { origin: string; path: string }>();

function parsedBase(baseUrl: string): { origin: string; path: string } {
  let b = bases.get(baseUrl);
  if (!b) {
    const u = new URL(baseUrl);
    b = { origin: u.origin, path: u.pathname.replace(/\/+$/, '') };
    if (bases.size > 1_000) bases.clear();
    bases.set(baseUrl, b);
  }
  return b;
}

// eslint-disable-next-line no-control-regex
const UNSAFE = /[/\\\u0000-\u001f\u007f]/;

/**
 * Characters the URL parser keeps as they are, in a path and in a query (of an http(s) URL): a path and
 * query made of these alone need no parsing, once the segments have passed the checks below.
 */
const PLAIN_PATH = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
const PLAIN_QUERY = /^[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*$/;

export function proxyTarget(baseUrl: string, rawRest: string, rawQuery: string): TargetResult {
  const base = parsedBase(baseUrl);
  for (const seg of rawRest.split('/')) {
    if (seg === '') return { ok: false, reason: 'empty path segment' };
    let decoded = seg;
    if (seg.includes('%')) {
      try {
        decoded = decodeURIComponent(seg);
      } catch {
        return { ok: false, reason: 'malformed percent-encoding in the path' };
      }
    }
    if (decoded === '.' || decoded === '..') return { ok: false, reason: 'dot segments are not allowed' };
    const unsafe = UNSAFE.exec(decoded);
    if (unsafe) {
      return unsafe[0] === '/' || unsafe[0] === '\\'
        ? { ok: false, reason: 'encoded slashes are not allowed' }
        : { ok: false, reason: 'control characters are not allowed' };
    }
  }
  // An absolute URL (`http://evil.example`) always fails above: `//` is an empty segment, `%2F` a slash.
  const pathname = `${base.path}/${rawRest}`;
  if (PLAIN_PATH.test(rawRest) && PLAIN_QUERY.test(rawQuery)) {
    // What the URL parser would make of it, character for character (target.test.ts checks so).
    return {
      ok: true,
      target: { origin: base.origin, pathname, path: rawQuery ? `${pathname}?${rawQuery}` : pathname },
    };
  }
  // Anything else is normalised by the URL parser (percent-encoding of spaces, quotes, non-ASCII …).
  const url = new URL(`${base.origin}${pathname}${rawQuery ? `?${rawQuery}` : ''}`);
  // Belt and braces: whatever the URL parser made of it must still be under the base.
  if (
    url.origin !== base.origin ||
    !(url.pathname === base.path || url.pathname.startsWith(`${base.path}/`))
  ) {
    return { ok: false, reason: 'the path leaves the connector’s base URL' };
  }
  return {
    ok: true,
    target: { origin: url.origin, pathname: url.pathname, path: url.pathname + url.search },
  };
}

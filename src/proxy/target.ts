/**
 * Where a proxied request goes: the connector's `api.baseUrl` + the rest of the path + the query. The rest
 * of the path is taken raw and checked segment by segment, so that no spelling of `..` (`%2e%2e`, `.%2E`),
 * no encoded slash or backslash, no empty segment (`//evil.example`) and no absolute URL can move the
 * request off the base URL's origin and path.
 */
export type TargetResult = { ok: true; url: URL } | { ok: false; reason: string };

export function proxyTarget(baseUrl: string, rawRest: string, rawQuery: string): TargetResult {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const segments = rawRest.split('/');
  for (const seg of segments) {
    if (seg === '') return { ok: false, reason: 'empty path segment' };
    let decoded: string;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      return { ok: false, reason: 'malformed percent-encoding in the path' };
    }
    if (decoded === '.' || decoded === '..') return { ok: false, reason: 'dot segments are not allowed' };
    if (/[/\\]/.test(decoded)) return { ok: false, reason: 'encoded slashes are not allowed' };
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(decoded))
      return { ok: false, reason: 'control characters are not allowed' };
  }
  // An absolute URL (`http://evil.example`) always fails above: `//` is an empty segment, `%2F` a slash.
  const url = new URL(`${base.origin}${basePath}/${rawRest}${rawQuery ? `?${rawQuery}` : ''}`);
  // Belt and braces: whatever the URL parser made of it must still be under the base.
  if (url.origin !== base.origin || !(url.pathname === basePath || url.pathname.startsWith(`${basePath}/`))) {
    return { ok: false, reason: 'the path leaves the connector’s base URL' };
  }
  return { ok: true, url };
}

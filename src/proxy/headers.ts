/** Which headers cross the proxy, each way (RFC 9110 §7.6.1 hop-by-hop headers never do). */
import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Never forwarded upstream: the caller's own credentials and Latchkey's. */
const DROP_REQUEST = new Set([
  'host',
  'authorization',
  'cookie',
  'x-csrf-token',
  'x-request-id',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
]);

/** Never passed back: cookies would be set on Latchkey's origin. */
const DROP_RESPONSE = new Set(['set-cookie', 'set-cookie2']);

function connectionListed(value: string | string[] | undefined): Set<string> {
  const v = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    v
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  accessToken: string,
  connectorHeaders: Record<string, string>,
  requestId: string,
): Record<string, string | string[]> {
  const listed = connectionListed(incoming.connection);
  const out: Record<string, string | string[]> = {};
  // Connector defaults first; the caller may override them (e.g. its own Accept).
  for (const [k, v] of Object.entries(connectorHeaders)) out[k.toLowerCase()] = v;
  for (const [k, v] of Object.entries(incoming)) {
    if (v === undefined) continue;
    const name = k.toLowerCase();
    if (HOP_BY_HOP.has(name) || DROP_REQUEST.has(name) || listed.has(name)) continue;
    // `Accept: */*` (curl's and most clients' default) states no preference: the connector's default stands.
    if (name === 'accept' && v === '*/*' && out.accept !== undefined) continue;
    out[name] = v;
  }
  out.authorization = `Bearer ${accessToken}`;
  out['x-request-id'] = requestId;
  return out;
}

export function downstreamResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const listed = connectionListed(upstream.connection);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(upstream)) {
    if (v === undefined) continue;
    const name = k.toLowerCase();
    if (HOP_BY_HOP.has(name) || DROP_RESPONSE.has(name) || listed.has(name)) continue;
    out[name] = v;
  }
  return out;
}

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

const NOTHING_LISTED: ReadonlySet<string> = new Set();

/** The header names a `Connection` header lists (RFC 9110 §7.6.1): hop-by-hop for this message too. */
function connectionListed(value: string | string[] | undefined): ReadonlySet<string> {
  if (value === undefined) return NOTHING_LISTED;
  const v = Array.isArray(value) ? value.join(',') : value;
  // The common values list nothing beyond the hop-by-hop headers every message drops.
  if (v === 'keep-alive' || v === 'close' || v === 'Keep-Alive' || v === 'Close') return NOTHING_LISTED;
  const listed = new Set<string>();
  for (const part of v.split(',')) {
    const name = part.trim().toLowerCase();
    if (name) listed.add(name);
  }
  return listed;
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
  for (const k in connectorHeaders) out[k.toLowerCase()] = connectorHeaders[k]!;
  // Node's incoming header names are lower case already.
  for (const name in incoming) {
    const v = incoming[name];
    if (v === undefined) continue;
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
  // undici's response header names are lower case already.
  for (const name in upstream) {
    const v = upstream[name];
    if (v === undefined) continue;
    if (HOP_BY_HOP.has(name) || DROP_RESPONSE.has(name) || listed.has(name)) continue;
    out[name] = v;
  }
  return out;
}

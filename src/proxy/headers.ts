/** Which headers cross the proxy, each way (RFC 9110 §7.6.1 hop-by-hop headers never do). */
import type { IncomingHttpHeaders } from 'node:http';
import { util as undiciUtil } from 'undici';

const { headerNameToString } = undiciUtil;

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

/**
 * The header names a `Connection` header lists (RFC 9110 §7.6.1): hop-by-hop for this message too (added to
 * `also`, the names of an earlier `Connection` header of the same message).
 */
function connectionListed(
  value: string | string[] | undefined,
  also: ReadonlySet<string> = NOTHING_LISTED,
): ReadonlySet<string> {
  if (value === undefined) return also;
  const v = Array.isArray(value) ? value.join(',') : value;
  // The common values list nothing beyond the hop-by-hop headers every message drops.
  if (v === 'keep-alive' || v === 'close' || v === 'Keep-Alive' || v === 'Close') return also;
  const listed = new Set<string>(also);
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

/**
 * The upstream's raw response headers (undici's name and value buffers) that may reach the caller, as a flat
 * `[name, value, …]` list for `writeHead`: names in lower case, values byte for byte (latin1: Node writes
 * them back as latin1, so whatever bytes the upstream sent — UTF-8 or not — pass unchanged).
 */
export function downstreamResponseHeaders(raw: readonly Buffer[]): string[] {
  const out: string[] = [];
  let listed: ReadonlySet<string> = NOTHING_LISTED;
  for (let i = 0; i < raw.length; i += 2) {
    const name = headerNameToString(raw[i]!);
    if (HOP_BY_HOP.has(name) || DROP_RESPONSE.has(name)) {
      if (name === 'connection') listed = connectionListed(raw[i + 1]!.toString('latin1'), listed);
      continue;
    }
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  if (listed.size === 0) return out;
  // Headers a `Connection` header names are hop-by-hop for this message too (rare: filtered afterwards).
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) if (!listed.has(out[i]!)) kept.push(out[i]!, out[i + 1]!);
  return kept;
}

/** A flat `[name, value, …]` header list as an object (repeated names as arrays), for Fastify's reply. */
export function headerObject(list: readonly string[]): Record<string, string | string[]> {
  // No prototype: an upstream may send any token as a header name, `__proto__` included.
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    const value = list[i + 1]!;
    const seen = out[name];
    out[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

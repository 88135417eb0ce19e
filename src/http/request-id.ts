/** Request ids: the caller's `X-Request-Id` when it is a plausible id, else a fresh UUID. */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestIdFor(headers: IncomingHttpHeaders): string {
  const incoming = headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * The client's address as Fastify's `request.ip` gives it: the peer, or with `trustProxy` (every proxy
 * trusted) the leftmost address of `X-Forwarded-For`.
 */
export function clientAddress(
  req: { headers: IncomingHttpHeaders; socket: { remoteAddress?: string | undefined } },
  trustProxy: boolean,
): string | undefined {
  const header = req.headers['x-forwarded-for'];
  if (trustProxy && typeof header === 'string') {
    for (const part of header.split(',')) {
      const address = part.trim();
      if (address) return address;
    }
  }
  return req.socket.remoteAddress;
}

/**
 * Sending one proxied request upstream — shared by the Fastify route and the fast path, so that both
 * pipelines forward, retry and fail in exactly the same way. A small body is read into memory so that the
 * request can be replayed after a refresh; a larger one streams once. On an upstream 401 the token is
 * refreshed once and the request retried, when its body can be replayed. Timeouts answer 504, an
 * unreachable upstream 502.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { OperationContext } from '../auth/principal.js';
import type { Connector } from '../connectors/index.js';
import { AppError } from '../http/errors.js';
import { classifyNetworkError, type Outbound } from '../outbound/index.js';
import type { TokenService } from '../tokens/index.js';
import { upstreamRequestHeaders } from './headers.js';

/** Bodies up to this size are held in memory so that the request can be replayed after a refresh. */
export const REPLAYABLE_BODY_BYTES = 64 * 1024;

export const PROXY_PREFIX = '/api/v1/proxy/';

export const PROXY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export interface ForwardDeps {
  tokens: TokenService;
  outbound: Outbound;
  /** Time to the upstream's response headers, and the longest pause inside its body (ms). */
  upstreamTimeoutMs: number;
}

export interface ProxiedRequest {
  ctx: OperationContext;
  credentialId: string;
  connector: Connector;
  target: URL;
  method: string;
  headers: IncomingHttpHeaders;
  requestId: string;
  /** The caller's body, untouched (ignored when the headers announce none). */
  body: Readable;
  /** The access token to send first. */
  accessToken: string;
}

/** The parts of a raw proxy URL: `/api/v1/proxy/<credentialId>/<rest>?<query>`, all still encoded. */
export function splitProxyUrl(raw: string): { credentialId: string; rest: string; query: string } | null {
  if (!raw.startsWith(PROXY_PREFIX)) return null;
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const slash = path.indexOf('/', PROXY_PREFIX.length);
  if (slash < 0) return null;
  return {
    credentialId: path.slice(PROXY_PREFIX.length, slash),
    rest: path.slice(slash + 1),
    query: q < 0 ? '' : raw.slice(q + 1),
  };
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  const len = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function forward(deps: ForwardDeps, r: ProxiedRequest): Promise<Dispatcher.ResponseData> {
  const { connector, target } = r;
  const failed = (err: unknown): never => {
    if (classifyNetworkError(err) === 'timeout') {
      throw new AppError(
        'upstream_timeout',
        `${connector.name} API did not answer in time (${target.pathname})`,
      );
    }
    throw new AppError(
      'upstream_unreachable',
      `${connector.name} API could not be reached (${target.origin})`,
    );
  };
  const send = (accessToken: string, body: Buffer | Readable | null): Promise<Dispatcher.ResponseData> => {
    const headers = upstreamRequestHeaders(r.headers, accessToken, connector.api.headers, r.requestId);
    if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
    return deps.outbound.dispatcher
      .request({
        origin: target.origin,
        path: target.pathname + target.search,
        method: r.method as Dispatcher.HttpMethod,
        headers,
        body,
        headersTimeout: deps.upstreamTimeoutMs,
        bodyTimeout: deps.upstreamTimeoutMs,
      })
      .then(undefined, failed);
  };
  // Sent again once, with a refreshed token, after a 401 — when the body can be replayed.
  const replay = (
    res: Dispatcher.ResponseData,
    body: Buffer | null,
  ): Dispatcher.ResponseData | Promise<Dispatcher.ResponseData> => {
    if (res.statusCode !== 401) return res;
    res.body.resume();
    return deps.tokens.refresh(r.ctx, r.credentialId).then((token) => send(token.accessToken, body));
  };

  if (!hasBody(r.headers)) return send(r.accessToken, null).then((res) => replay(res, null));
  // A body we may have to send twice is read now (small ones only); others stream once.
  const len = Number(r.headers['content-length'] ?? NaN);
  if (Number.isFinite(len) && len <= REPLAYABLE_BODY_BYTES) {
    return readAll(r.body).then((body) => send(r.accessToken, body).then((res) => replay(res, body)));
  }
  return send(r.accessToken, r.body);
}

/**
 * `ANY /api/v1/proxy/:credentialId/*`: forwards to the connector's API with `Authorization: Bearer <token>`,
 * streaming both ways through the pooled undici dispatcher. The caller's credentials, cookies and hop-by-hop
 * headers are dropped. On an upstream 401 the token is refreshed once and the request retried, when its body
 * can be replayed (no body, or a small one held in memory). Timeouts answer 504, an unreachable upstream 502.
 */
import type { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import { principalOf } from '../auth/plugin.js';
import { operationContext } from '../auth/principal.js';
import type { Catalog } from '../connectors/index.js';
import { AppError } from '../http/errors.js';
import { IdParams } from '../http/schemas.js';
import { classifyNetworkError, type Outbound } from '../outbound/index.js';
import type { TokenService } from '../tokens/index.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { proxyTarget } from './target.js';

/** Bodies up to this size are held in memory so that the request can be replayed after a refresh. */
export const REPLAYABLE_BODY_BYTES = 64 * 1024;

export interface ProxyOptions {
  catalog: Catalog;
  tokens: TokenService;
  outbound: Outbound;
  /** Time to the upstream's response headers, and the longest pause inside its body (ms). */
  upstreamTimeoutMs: number;
}

const PREFIX = '/api/v1/proxy/';

function hasBody(req: FastifyRequest): boolean {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export const proxyRoutes: FastifyPluginAsync<ProxyOptions> = async (app, opts) => {
  // Bodies pass through untouched and unbuffered, whatever their type or size.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { bodyLimit: Number.MAX_SAFE_INTEGER }, (_req, payload, done) =>
    done(null, payload),
  );

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/api/v1/proxy/:credentialId/*',
    config: { permission: 'proxy:use' },
    bodyLimit: Number.MAX_SAFE_INTEGER,
    schema: {
      tags: ['proxy'],
      summary:
        'Forward a request to the connector’s API with the credential’s Bearer token (streams both ways)',
    },
    handler: async (req, reply) => {
      const ctx = operationContext(principalOf(req), req.id);
      const { credentialId } = req.params as { credentialId: string };
      // Checked like every other route's ids, before it reaches a query (PostgreSQL refuses NUL in text).
      if (!IdParams.shape.id.safeParse(credentialId).success)
        throw new AppError('validation_failed', 'params.credentialId: not an id');
      const raw = req.raw.url ?? '';
      const q = raw.indexOf('?');
      const rawPath = q < 0 ? raw : raw.slice(0, q);
      const rawQuery = q < 0 ? '' : raw.slice(q + 1);
      const rest = rawPath.slice(PREFIX.length + rawPath.slice(PREFIX.length).indexOf('/') + 1);

      // Not active, unknown or another workspace's: answered 409 / 404 before anything is sent.
      const first = await opts.tokens.useToken(ctx, credentialId);
      const connector = opts.catalog.get(first.connector);
      if (!connector)
        throw new AppError('conflict', `connector "${first.connector}" is no longer in the catalog`);
      const target = proxyTarget(connector.api.baseUrl, rest, rawQuery);
      if (!target.ok) throw new AppError('validation_failed', `proxy path refused: ${target.reason}`);

      // A body we may have to send twice is read now (small ones only); others stream once.
      let body: Buffer | Readable | null = null;
      let replayable = true;
      if (hasBody(req)) {
        const stream = req.body as Readable;
        const len = Number(req.headers['content-length'] ?? NaN);
        if (Number.isFinite(len) && len <= REPLAYABLE_BODY_BYTES) body = await readAll(stream);
        else {
          body = stream;
          replayable = false;
        }
      }

      const send = async (accessToken: string): Promise<Dispatcher.ResponseData> => {
        const headers = upstreamRequestHeaders(req.headers, accessToken, connector.api.headers, req.id);
        if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
        try {
          return await opts.outbound.dispatcher.request({
            origin: target.url.origin,
            path: target.url.pathname + target.url.search,
            method: req.method as Dispatcher.HttpMethod,
            headers,
            body,
            headersTimeout: opts.upstreamTimeoutMs,
            bodyTimeout: opts.upstreamTimeoutMs,
          });
        } catch (err) {
          if (classifyNetworkError(err) === 'timeout') {
            throw new AppError(
              'upstream_timeout',
              `${connector.name} API did not answer in time (${target.url.pathname})`,
            );
          }
          throw new AppError(
            'upstream_unreachable',
            `${connector.name} API could not be reached (${target.url.origin})`,
          );
        }
      };

      let token = first.token;
      let res = await send(token.accessToken);
      if (res.statusCode === 401 && replayable) {
        res.body.resume();
        token = await opts.tokens.refresh(ctx, credentialId);
        res = await send(token.accessToken);
      }
      reply.code(res.statusCode).headers(downstreamResponseHeaders(res.headers));
      if (req.method === 'HEAD') {
        res.body.resume();
        return reply.send();
      }
      return reply.send(res.body);
    },
  });
};

/**
 * `ANY /api/v1/proxy/:credentialId/*`: forwards to the connector's API with `Authorization: Bearer <token>`,
 * streaming both ways through the pooled undici dispatcher (see forward.ts). The caller's credentials,
 * cookies and hop-by-hop headers are dropped. This is the general pipeline: every proxied request the fast
 * path (fast-path.ts) does not take comes here, and so does every refusal.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { principalOf } from '../auth/plugin.js';
import { operationContext } from '../auth/principal.js';
import type { Catalog } from '../connectors/index.js';
import { AppError } from '../http/errors.js';
import { IdParams } from '../http/schemas.js';
import { PROXY_ROUTE } from '../metrics/index.js';
import { CallerGone, forward, PROXY_METHODS, splitProxyUrl, type ForwardDeps } from './forward.js';
import { headerObject } from './headers.js';
import { proxyTarget } from './target.js';

export interface ProxyOptions extends ForwardDeps {
  catalog: Catalog;
}

export const proxyRoutes: FastifyPluginAsync<ProxyOptions> = async (app, opts) => {
  // Bodies pass through untouched and unbuffered, whatever their type or size.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { bodyLimit: Number.MAX_SAFE_INTEGER }, (_req, payload, done) =>
    done(null, payload),
  );

  app.route({
    method: [...PROXY_METHODS],
    url: PROXY_ROUTE,
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
      const parts = splitProxyUrl(req.raw.url ?? '');
      if (!parts) throw new AppError('validation_failed', 'proxy path refused: no path after the credential');

      // Not active, unknown or another workspace's: answered 409 / 404 before anything is sent.
      const first = await opts.tokens.useToken(ctx, credentialId);
      const connector = opts.catalog.get(first.connector);
      if (!connector)
        throw new AppError('conflict', `connector "${first.connector}" is no longer in the catalog`);
      const target = proxyTarget(connector.api.baseUrl, parts.rest, parts.query);
      if (!target.ok) throw new AppError('validation_failed', `proxy path refused: ${target.reason}`);

      const raw = reply.raw;
      // Answered (or the caller went away) when the promise settles; the body then flows by itself.
      await new Promise<void>((resolve, reject) => {
        const forwarding = forward(
          opts,
          {
            ctx,
            credentialId,
            connector,
            target: target.target,
            method: req.method,
            headers: req.headers,
            requestId: req.id,
            body: req.body as Readable,
            accessToken: first.token.accessToken,
          },
          {
            open(statusCode, headers) {
              reply.code(statusCode).headers(headerObject(headers));
              resolve();
              if (req.method === 'HEAD') {
                void reply.send();
                return null;
              }
              // Fastify sends the stream as it sends any other (its hooks add the common headers).
              const body = new PassThrough();
              void reply.send(body);
              return body;
            },
            fail: (err) => (err instanceof CallerGone ? resolve() : reject(err)),
          },
        );
        raw.on('close', () => {
          if (!raw.writableFinished) forwarding.callerGone();
        });
      });
      return reply;
    },
  });
};

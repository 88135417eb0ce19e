/**
 * The proxy's fast path, beneath Fastify's routing. A proxied request whose answer memory alone can decide
 * — its API key is in the key cache and may use the proxy, its token is cached and current (the cache is
 * kept true by coherence.ts), its path stays under the connector's base URL, its caller is within the rate
 * limit — is forwarded straight from Node's `request` event, without Fastify's per-request objects, hooks
 * and logger. Anything else, and so every refusal, is left untouched to the general pipeline
 * (routes.ts), which answers it as it answers every request: the fast path never produces an error of its
 * own before it has committed to a request, and until then its checks change nothing the general pipeline
 * would not change too (an API key's last-use time; a rate-limit bucket only once the request is taken).
 *
 * What the general pipeline adds to every response is added here by the same functions: the request id,
 * the security headers, the metrics, the request log lines, and the error body of a failure once
 * forwarding has begun (forward.ts is shared, so retries and failures are the same too).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { can } from '../auth/permissions.js';
import { rateLimitKey } from '../auth/plugin.js';
import { operationContext, type OperationContext } from '../auth/principal.js';
import type { ApiKeyAuthenticator } from '../auth/bearer.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import type { Catalog, Connector } from '../connectors/index.js';
import { answerFor, errorHeaders } from '../http/error-handler.js';
import { ERRORS, errorBody } from '../http/errors.js';
import { clientAddress, requestIdFor } from '../http/request-id.js';
import { ID_PATTERN } from '../http/schemas.js';
import { apiSecurityHeaders } from '../http/security.js';
import type { Logger } from '../logging/index.js';
import { PROXY_ROUTE, recordRequest, type Metrics } from '../metrics/index.js';
import { forward, PROXY_METHODS, splitProxyUrl, type ForwardDeps } from './forward.js';
import { proxyTarget, type Target } from './target.js';

export interface FastPathDeps extends ForwardDeps {
  catalog: Catalog;
  apiKeyAuth: ApiKeyAuthenticator;
  rateLimiter: RateLimiter | null;
  trustProxy: boolean;
  /** The public URL is https (the HSTS header). */
  https: boolean;
  metrics: Metrics;
  log: Logger;
}

export interface ProxyFastPath {
  /**
   * Take `req` and answer it (true), or leave it — unread and unanswered — to the general pipeline (false).
   */
  take(req: IncomingMessage, res: ServerResponse): boolean;
  /** Take no more requests: while the server closes, Fastify answers them. */
  close(): void;
}

const METHODS = new Set<string>(PROXY_METHODS);

export function createProxyFastPath(deps: FastPathDeps): ProxyFastPath {
  const security = apiSecurityHeaders({ https: deps.https });
  const limiter = deps.rateLimiter;
  let closing = false;

  function answerError(res: ServerResponse, requestId: string, err: unknown): void {
    const a = answerFor(err, requestId);
    if (a.log === 'error') deps.log.error({ reqId: requestId, err }, 'unhandled error');
    else if (a.log === 'warn')
      deps.log.warn({ reqId: requestId, err: { message: (err as Error).message } }, 'database unavailable');
    const body = JSON.stringify(errorBody(a.code, a.message));
    res.writeHead(ERRORS[a.code].status, {
      ...errorHeaders(a.code, a.headers),
      ...security,
      'cache-control': 'no-store',
      'x-request-id': requestId,
      'content-length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  }

  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: OperationContext,
    credentialId: string,
    connector: Connector,
    target: Target,
    accessToken: string,
  ): Promise<void> {
    const started = performance.now();
    const requestId = ctx.requestId!;
    const logRequests = deps.log.isLevelEnabled('info');
    if (logRequests) {
      deps.log.info(
        {
          reqId: requestId,
          req: { id: requestId, method: req.method, url: req.url, ip: clientAddress(req, deps.trustProxy) },
        },
        'incoming request',
      );
    }
    res.once('close', () => {
      const ms = performance.now() - started;
      recordRequest(deps.metrics, req.method!, PROXY_ROUTE, res.statusCode, ms / 1000);
      if (logRequests) {
        deps.log.info(
          { reqId: requestId, res: { statusCode: res.statusCode }, responseTime: ms },
          'request completed',
        );
      }
    });
    const downstream = {
      open(statusCode: number, headers: Record<string, string | string[]>) {
        for (const name in security) headers[name] = security[name]!;
        headers['cache-control'] ??= 'no-store';
        headers['x-request-id'] = requestId;
        res.writeHead(statusCode, headers);
        if (req.method !== 'HEAD') return res;
        res.end();
        return null;
      },
    };
    try {
      await forward(
        deps,
        {
          ctx,
          credentialId,
          connector,
          target,
          method: req.method!,
          headers: req.headers,
          requestId,
          body: req,
          accessToken,
          response: res,
        },
        downstream,
      );
    } catch (err) {
      if (res.headersSent || res.destroyed) res.destroy();
      else answerError(res, requestId, err);
    }
  }

  return {
    take(req, res) {
      if (closing || !METHODS.has(req.method ?? '')) return false;
      const parts = splitProxyUrl(req.url ?? '');
      if (!parts || !ID_PATTERN.test(parts.credentialId)) return false;
      const authorization = req.headers.authorization;
      if (!authorization) return false;
      // As the general pipeline: an address that keeps failing to authenticate is stopped first.
      if (limiter?.peek(`auth-failures:${clientAddress(req, deps.trustProxy)}`)) return false;
      const principal = deps.apiKeyAuth.cached(authorization);
      if (!principal || !can(principal.role, 'proxy:use')) return false;
      const ctx = operationContext(principal, requestIdFor(req.headers));
      const token = deps.tokens.cachedToken(ctx, parts.credentialId);
      if (!token) return false;
      const connector = deps.catalog.get(token.connector);
      if (!connector) return false;
      const target = proxyTarget(connector.api.baseUrl, parts.rest, parts.query);
      if (!target.ok) return false;
      // Last, and only when it allows: a refused request takes nothing from the bucket.
      if (limiter && limiter.take(rateLimitKey(principal)) > 0) return false;
      deps.tokens.handedOut(parts.credentialId);
      deps.metrics.proxyFastPath.inc();
      void serve(req, res, ctx, parts.credentialId, connector, target.target, token.accessToken);
      return true;
    },
    close() {
      closing = true;
    },
  };
}

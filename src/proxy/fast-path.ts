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
import {
  CallerGone,
  forward,
  PROXY_METHODS,
  splitProxyUrl,
  type Downstream,
  type ForwardDeps,
  type Forwarding,
} from './forward.js';
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
  /** Take no more requests: while the server closes, the general pipeline answers them (503). */
  close(): void;
}

const METHODS = new Set<string>(PROXY_METHODS);

export function createProxyFastPath(deps: FastPathDeps): ProxyFastPath {
  const limiter = deps.rateLimiter;
  const security = apiSecurityHeaders({ https: deps.https });
  const shared: Shared = { deps, security, securityList: Object.entries(security).flat() };
  let closing = false;

  return {
    take(req, res) {
      if (closing || !METHODS.has(req.method ?? '')) return false;
      const parts = splitProxyUrl(req.url ?? '');
      if (!parts || !ID_PATTERN.test(parts.credentialId)) return false;
      const authorization = req.headers.authorization;
      if (!authorization) return false;
      // As the general pipeline: an address that keeps failing to authenticate is stopped first.
      if (limiter?.peek(`auth-failures:${clientAddress(req, deps.trustProxy)}`)) return false;
      const principal = deps.apiKeyAuth.cached(authorization, req.socket);
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
      new FastExchange(shared, req, res, ctx).forward(
        parts.credentialId,
        connector,
        target.target,
        token.accessToken,
      );
      return true;
    },
    close() {
      closing = true;
    },
  };
}

/** What every fast-path exchange shares. */
interface Shared {
  deps: FastPathDeps;
  security: Record<string, string>;
  /** The same, as a flat `[name, value, …]` list. */
  securityList: string[];
}

/**
 * One request taken by the fast path: the caller's side of forward.ts (its Downstream), and the request's
 * log lines and metrics. One object per request, its close listener its only function.
 */
class FastExchange implements Downstream {
  private readonly started = performance.now();
  private readonly requestId: string;
  private readonly logRequests: boolean;
  private forwarding: Forwarding | null = null;

  constructor(
    private readonly shared: Shared,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly ctx: OperationContext,
  ) {
    const { log, trustProxy } = shared.deps;
    this.requestId = ctx.requestId!;
    this.logRequests = log.isLevelEnabled('info');
    if (this.logRequests) {
      const r = { id: this.requestId, method: req.method, url: req.url, ip: clientAddress(req, trustProxy) };
      log.info({ reqId: this.requestId, req: r }, 'incoming request');
    }
    res.on('close', this.onClose);
  }

  forward(credentialId: string, connector: Connector, target: Target, accessToken: string): void {
    const { req } = this;
    this.forwarding = forward(
      this.shared.deps,
      {
        ctx: this.ctx,
        credentialId,
        connector,
        target,
        method: req.method!,
        headers: req.headers,
        requestId: this.requestId,
        body: req,
        accessToken,
      },
      this,
    );
  }

  open(statusCode: number, headers: string[]): ServerResponse | null {
    let cacheControl = false;
    for (let i = 0; i < headers.length; i += 2) if (headers[i] === 'cache-control') cacheControl = true;
    headers.push(...this.shared.securityList);
    if (!cacheControl) headers.push('cache-control', 'no-store');
    headers.push('x-request-id', this.requestId);
    this.res.writeHead(statusCode, headers);
    if (this.req.method !== 'HEAD') return this.res;
    this.res.end();
    return null;
  }

  fail(err: unknown): void {
    const { res } = this;
    if (res.headersSent || res.destroyed || err instanceof CallerGone) {
      res.destroy();
      return;
    }
    const { deps, security } = this.shared;
    const requestId = this.requestId;
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

  private readonly onClose = (): void => {
    const { res, req } = this;
    if (!res.writableFinished) this.forwarding?.callerGone();
    const ms = performance.now() - this.started;
    const { deps } = this.shared;
    recordRequest(deps.metrics, req.method!, PROXY_ROUTE, res.statusCode, ms / 1000);
    if (this.logRequests) {
      deps.log.info(
        { reqId: this.requestId, res: { statusCode: res.statusCode }, responseTime: ms },
        'request completed',
      );
    }
  };
}

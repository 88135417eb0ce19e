/**
 * Prometheus metrics (prom-client), one registry per process context (no global state): token hand-outs and
 * cache hits, refreshes by outcome and their latency, proxy requests by status and latency, HTTP requests,
 * the refresher's lag, and credentials by status (counted from the database at scrape time).
 */
import { timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/index.js';

export type RefreshOutcome = 'ok' | 'transient' | 'rejected' | 'oauth_error' | 'lost';

export interface Metrics {
  registry: Registry;
  tokenHandouts: Counter<'source'>;
  tokenCache: Counter<'result'>;
  refreshes: Counter<'outcome'>;
  refreshSeconds: Histogram<'outcome'>;
  proxyRequests: Counter<'status'>;
  proxySeconds: Histogram<'status'>;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  refresherLagSeconds: Histogram;
}

export function createMetrics(db: Db, options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'latchkey_process_' });
  const m: Metrics = {
    registry,
    tokenHandouts: new Counter({
      name: 'latchkey_token_handouts_total',
      help: 'Access tokens handed out (api: GET …/token) or used on a caller’s behalf (proxy, sources)',
      labelNames: ['source'],
      registers: [registry],
    }),
    tokenCache: new Counter({
      name: 'latchkey_token_cache_total',
      help: 'Token lookups answered from memory (hit) or the database (miss)',
      labelNames: ['result'],
      registers: [registry],
    }),
    refreshes: new Counter({
      name: 'latchkey_refreshes_total',
      help: 'Refresh attempts at the provider by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    refreshSeconds: new Histogram({
      name: 'latchkey_refresh_duration_seconds',
      help: 'Time of a refresh-token grant at the provider',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    proxyRequests: new Counter({
      name: 'latchkey_proxy_requests_total',
      help: 'Proxied requests by response status',
      labelNames: ['status'],
      registers: [registry],
    }),
    proxySeconds: new Histogram({
      name: 'latchkey_proxy_request_duration_seconds',
      help: 'Time of a proxied request, to the end of its response',
      labelNames: ['status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'latchkey_http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    refresherLagSeconds: new Histogram({
      name: 'latchkey_refresher_lag_seconds',
      help: 'How late the refresher claimed a due credential (claim time minus due time)',
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'latchkey_credentials',
    help: 'Credentials by status (all workspaces)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const rows = await db.kysely
          .selectFrom('credentials')
          .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
          .groupBy('status')
          .execute();
        for (const r of rows) this.set({ status: r.status }, Number(r.n));
      } catch {
        // Database down: the gauge is left empty; /readyz tells the rest.
      }
    },
  });
  return m;
}

/** `GET /metrics` in the Prometheus text format; with LATCHKEY_METRICS_TOKEN set, a Bearer token is required. */
export function metricsRoute(metrics: Metrics, token: string | null) {
  const expected = token ? Buffer.from(`Bearer ${token}`) : null;
  return {
    method: 'GET' as const,
    url: '/metrics',
    config: { public: true },
    schema: { hide: true },
    handler: async (req: { headers: { authorization?: string } }, reply: FastifyReplyLike) => {
      if (expected) {
        const given = Buffer.from(req.headers.authorization ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          return reply
            .code(401)
            .header('www-authenticate', 'Bearer realm="latchkey-metrics"')
            .send({
              error: {
                code: 'unauthorized',
                message: 'metrics need "Authorization: Bearer <LATCHKEY_METRICS_TOKEN>"',
              },
            });
        }
      }
      return reply
        .header('content-type', metrics.registry.contentType)
        .send(await metrics.registry.metrics());
    },
  };
}

interface FastifyReplyLike {
  code(n: number): FastifyReplyLike;
  header(k: string, v: string): FastifyReplyLike;
  send(body: unknown): FastifyReplyLike;
}

/**
 * Prometheus metrics (prom-client), one registry per process context (no global state): token hand-outs and
 * cache hits, refreshes by outcome and their latency, proxy requests by status and latency, HTTP requests,
 * the refresher's lag, and credentials by status (counted from the database at scrape time).
 */
import { timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/index.js';

export type RefreshOutcome = 'ok' | 'transient' | 'rejected' | 'oauth_error' | 'lost';

/** The key of one label set: its values in label-name order (a single value as it is). */
function seriesKey(names: readonly string[], labels: Partial<Record<string, string>>): string {
  if (names.length === 1) return labels[names[0]!] ?? '';
  let key = '';
  for (const name of names) key += `${labels[name]}\u0001`;
  return key;
}

/**
 * A counter for hot paths: `inc` adds to a plain number per label set, and prom-client receives the sums when
 * the registry is read (its `collect`), instead of hashing the labels on every call.
 */
export class TallyCounter<L extends string> {
  private readonly pending = new Map<string, { labels: Partial<Record<L, string>>; n: number }>();
  private readonly labelNames: readonly L[];

  constructor(config: { name: string; help: string; labelNames?: readonly L[]; registers: Registry[] }) {
    const pending = this.pending;
    this.labelNames = config.labelNames ?? [];
    new Counter<L>({
      ...config,
      labelNames: [...this.labelNames],
      collect() {
        for (const p of pending.values()) {
          if (p.n > 0) this.inc(p.labels, p.n);
          p.n = 0;
        }
      },
    });
  }

  inc(labels: Partial<Record<L, string>> = {}): void {
    this.series(labels).n += 1;
  }

  /** The count of one label set, to be kept by a caller that counts it often (`series.n += 1`). */
  series(labels: Partial<Record<L, string>>): { n: number } {
    const key = seriesKey(this.labelNames, labels);
    let p = this.pending.get(key);
    if (!p) {
      p = { labels: { ...labels }, n: 0 };
      this.pending.set(key, p);
    }
    return p;
  }
}

/** One label set of a TallyHistogram: a count per bucket, the sum and the count. */
export class HistogramSeries<L extends string = string> {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Partial<Record<L, string>>,
    private readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) {
      if (value <= buckets[i]!) {
        this.counts[i]! += 1;
        break;
      }
    }
    this.sum += value;
    this.count += 1;
  }
}

/**
 * A histogram for hot paths, read by prom-client's registry like its own (`get()` answers the same series:
 * `_bucket` by `le`, `_sum`, `_count`): an observation is a few additions, with no label hashing.
 */
export class TallyHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly labelNames: readonly L[];
  private readonly buckets: readonly number[];
  private readonly series = new Map<string, HistogramSeries<L>>();

  constructor(config: {
    name: string;
    help: string;
    labelNames?: readonly L[];
    buckets: readonly number[];
    registers: Registry[];
  }) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames ?? [];
    this.buckets = [...config.buckets].sort((a, b) => a - b);
    for (const r of config.registers)
      r.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  observe(labels: Partial<Record<L, string>>, value: number): void {
    this.seriesOf(labels).observe(value);
  }

  /** The series of one label set, to be kept by a caller that observes it often. */
  seriesOf(labels: Partial<Record<L, string>>): HistogramSeries<L> {
    const key = seriesKey(this.labelNames, labels);
    let s = this.series.get(key);
    if (!s) {
      s = new HistogramSeries({ ...labels }, this.buckets);
      this.series.set(key, s);
    }
    return s;
  }

  async get() {
    // The shape prom-client's Histogram gives its registry: `le` first, the series' labels shared.
    const values: {
      metricName: string;
      labels: Record<string, string | number>;
      sharedLabels: Partial<Record<L, string>>;
      value: number;
    }[] = [];
    for (const s of this.series.values()) {
      // A series with no observation since a reset is not exposed (as prom-client's).
      if (s.count === 0) continue;
      const bucket = (le: number | string, value: number) =>
        values.push({ metricName: `${this.name}_bucket`, labels: { le }, sharedLabels: s.labels, value });
      let acc = 0;
      this.buckets.forEach((le, i) => bucket(le, (acc += s.counts[i]!)));
      bucket('+Inf', s.count);
      values.push({ metricName: `${this.name}_sum`, labels: {}, sharedLabels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: {}, sharedLabels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    // Callers may hold a series (recordRequest does): zero it rather than drop it.
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}

export interface Metrics {
  registry: Registry;
  tokenHandouts: TallyCounter<'source'>;
  tokenCache: TallyCounter<'result'>;
  refreshes: Counter<'outcome'>;
  refreshSeconds: Histogram<'outcome'>;
  proxyRequests: TallyCounter<'status'>;
  proxySeconds: TallyHistogram<'status'>;
  httpRequests: TallyCounter<'method' | 'route' | 'status'>;
  /** Proxied requests answered by the proxy's fast path (see src/proxy/fast-path.ts). */
  proxyFastPath: TallyCounter<never>;
  refresherLagSeconds: Histogram;
}

/** The route pattern of the proxy, as it appears in `latchkey_http_requests_total`. */
export const PROXY_ROUTE = '/api/v1/proxy/:credentialId/*';

/** The series one answered request adds to: found by route, method and status without building a key. */
interface RequestSeries {
  http: { n: number };
  proxy: { n: number } | null;
  seconds: HistogramSeries<'status'> | null;
}

const requestSeries = new WeakMap<Metrics, Map<string, Map<string, Map<number, RequestSeries>>>>();

/** Count one answered HTTP request (and, for the proxy, its latency). */
export function recordRequest(
  m: Metrics,
  method: string,
  route: string,
  statusCode: number,
  seconds: number,
): void {
  let byRoute = requestSeries.get(m);
  if (!byRoute) requestSeries.set(m, (byRoute = new Map()));
  let byMethod = byRoute.get(route);
  if (!byMethod) byRoute.set(route, (byMethod = new Map()));
  let byStatus = byMethod.get(method);
  if (!byStatus) byMethod.set(method, (byStatus = new Map()));
  let s = byStatus.get(statusCode);
  if (!s) {
    const status = String(statusCode);
    const proxy = route === PROXY_ROUTE;
    s = {
      http: m.httpRequests.series({ method, route, status }),
      proxy: proxy ? m.proxyRequests.series({ status }) : null,
      seconds: proxy ? m.proxySeconds.seriesOf({ status }) : null,
    };
    byStatus.set(statusCode, s);
  }
  s.http.n += 1;
  if (s.proxy) s.proxy.n += 1;
  s.seconds?.observe(seconds);
}

export function createMetrics(db: Db, options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'latchkey_process_' });
  const m: Metrics = {
    registry,
    tokenHandouts: new TallyCounter({
      name: 'latchkey_token_handouts_total',
      help: 'Access tokens handed out (api: GET …/token) or used on a caller’s behalf (proxy, sources)',
      labelNames: ['source'],
      registers: [registry],
    }),
    tokenCache: new TallyCounter({
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
    proxyRequests: new TallyCounter({
      name: 'latchkey_proxy_requests_total',
      help: 'Proxied requests by response status',
      labelNames: ['status'],
      registers: [registry],
    }),
    proxySeconds: new TallyHistogram({
      name: 'latchkey_proxy_request_duration_seconds',
      help: 'Time of a proxied request, to the end of its response',
      labelNames: ['status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    httpRequests: new TallyCounter({
      name: 'latchkey_http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    proxyFastPath: new TallyCounter({
      name: 'latchkey_proxy_fast_path_requests_total',
      help: 'Proxied requests served by the fast path (API key and token found in memory)',
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

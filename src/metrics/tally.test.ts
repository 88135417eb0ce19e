import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Db } from '../db/index.js';
import { createMetrics, PROXY_ROUTE, recordRequest, TallyCounter, TallyHistogram } from './index.js';

/** The exposition of one registry with prom-client's own metric and one with ours, for the same events. */
async function both(
  setup: (r: Registry, ours: boolean) => (status: string, value: number) => void,
  events: [string, number][],
): Promise<[string, string]> {
  const out: string[] = [];
  for (const ours of [false, true]) {
    const r = new Registry();
    const record = setup(r, ours);
    for (const [status, value] of events) record(status, value);
    out.push(await r.metrics());
  }
  return [out[0]!, out[1]!];
}

const events: [string, number][] = [
  ['200', 0.003],
  ['200', 0.02],
  ['502', 1.5],
  ['200', 0.02],
  ['504', 45],
  ['200', 0.25],
];

describe('tally metrics', () => {
  it('a TallyHistogram is exposed exactly as prom-client’s Histogram', async () => {
    const config = (r: Registry) => ({
      name: 'x_seconds',
      help: 'x',
      labelNames: ['status'] as const,
      buckets: [0.005, 0.05, 0.5, 5],
      registers: [r],
    });
    const [theirs, ours] = await both((r, mine) => {
      if (mine) {
        const h = new TallyHistogram(config(r));
        return (status, v) => h.observe({ status }, v);
      }
      const h = new Histogram({ ...config(r), labelNames: ['status'] });
      return (status, v) => h.observe({ status }, v);
    }, events);
    expect(ours).toBe(theirs);
  });

  it('a TallyCounter is exposed exactly as prom-client’s Counter, and keeps counting after a read', async () => {
    const config = (r: Registry) => ({
      name: 'x_total',
      help: 'x',
      labelNames: ['status'] as const,
      registers: [r],
    });
    const [theirs, ours] = await both((r, mine) => {
      if (mine) {
        const c = new TallyCounter(config(r));
        return (status) => c.inc({ status });
      }
      const c = new Counter({ ...config(r), labelNames: ['status'] });
      return (status) => c.inc({ status });
    }, events);
    expect(ours).toBe(theirs);

    const r = new Registry();
    const c = new TallyCounter(config(r));
    c.inc({ status: '200' });
    expect(await r.metrics()).toContain('x_total{status="200"} 1');
    c.inc({ status: '200' });
    c.inc({ status: '200' });
    expect(await r.metrics()).toContain('x_total{status="200"} 3');
  });

  it('a TallyHistogram reset is exposed as prom-client’s, and series kept by callers count on', async () => {
    const config = (r: Registry) => ({
      name: 'y_seconds',
      help: 'y',
      labelNames: ['status'] as const,
      buckets: [0.1, 1],
      registers: [r],
    });
    const [theirs, ours] = await both((r, mine) => {
      if (mine) {
        const h = new TallyHistogram(config(r));
        const kept = h.seriesOf({ status: '200' });
        return (status, v) => {
          if (v === 45) r.resetMetrics();
          else if (status === '200') kept.observe(v);
          else h.observe({ status }, v);
        };
      }
      const h = new Histogram({ ...config(r), labelNames: ['status'] });
      return (status, v) => (v === 45 ? r.resetMetrics() : h.observe({ status }, v));
    }, events);
    expect(ours).toBe(theirs);
    expect(ours).toContain('y_seconds_count{status="200"} 1');
  });

  it('recordRequest counts each request by method, route and status, and the proxy’s latency', async () => {
    const m = createMetrics({} as Db, { defaultMetrics: false });
    recordRequest(m, 'GET', '/api/v1/credentials', 200, 0.002);
    recordRequest(m, 'GET', PROXY_ROUTE, 200, 0.02);
    recordRequest(m, 'GET', PROXY_ROUTE, 200, 0.3);
    recordRequest(m, 'POST', PROXY_ROUTE, 502, 2);
    recordRequest(m, 'GET', '/api/v1/credentials', 200, 0.001);
    const text = await m.registry.getSingleMetricAsString('latchkey_http_requests_total');
    expect(text).toContain(
      'latchkey_http_requests_total{method="GET",route="/api/v1/credentials",status="200"} 2',
    );
    expect(text).toContain(
      `latchkey_http_requests_total{method="GET",route="${PROXY_ROUTE}",status="200"} 2`,
    );
    expect(text).toContain(
      `latchkey_http_requests_total{method="POST",route="${PROXY_ROUTE}",status="502"} 1`,
    );
    const proxied = await m.registry.getSingleMetricAsString('latchkey_proxy_requests_total');
    expect(proxied).toContain('latchkey_proxy_requests_total{status="200"} 2');
    expect(proxied).toContain('latchkey_proxy_requests_total{status="502"} 1');
    const seconds = await m.registry.getSingleMetricAsString('latchkey_proxy_request_duration_seconds');
    expect(seconds).toContain('latchkey_proxy_request_duration_seconds_bucket{le="0.025",status="200"} 1');
    expect(seconds).toContain('latchkey_proxy_request_duration_seconds_bucket{le="0.5",status="200"} 2');
    expect(seconds).toContain('latchkey_proxy_request_duration_seconds_sum{status="200"} 0.32');
    expect(seconds).toContain('latchkey_proxy_request_duration_seconds_count{status="502"} 1');
  });
});

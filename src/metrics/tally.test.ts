import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TallyCounter, TallyHistogram } from './index.js';

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
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxServer } from '../src/sandbox/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { addSandboxConnector, createAndAuthorize, startTestSandbox } from './helpers/sandbox.js';

function value(text: string, metric: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric) || line.startsWith('#')) continue;
    const [name, rest = ''] = line.split(/\s(?=[^\s]+$)/);
    if (!name!.startsWith(metric + '{') && name !== metric) continue;
    if (want.every((w) => name!.includes(w))) total += Number(rest);
  }
  return total;
}

describe('GET /metrics', () => {
  let sandbox: SandboxServer;
  let t: TestApp;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
    t = await createTestApp('sqlite', { LATCHKEY_METRICS_TOKEN: 'metrics-token-0123456789' });
    addSandboxConnector(t, sandbox.url);
  });
  afterAll(async () => {
    await t.close();
    await sandbox.close();
  });

  const scrape = async () => {
    const res = await t.app.inject({
      url: '/metrics',
      headers: { authorization: 'Bearer metrics-token-0123456789' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    return res.body;
  };

  it('needs the metrics token when one is configured', async () => {
    expect((await t.app.inject('/metrics')).statusCode).toBe(401);
  });

  it('shows the counters moving after traffic', async () => {
    const before = await scrape();
    const { id } = await createAndAuthorize(t, sandbox.url);
    for (let i = 0; i < 3; i++)
      expect(
        (await t.app.inject({ url: `/api/v1/credentials/${id}/token`, headers: t.auth })).statusCode,
      ).toBe(200);
    expect(
      (
        await t.app.inject({
          url: `/api/v1/proxy/${id}/me`,
          headers: { ...t.auth, accept: 'application/json' },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (await t.app.inject({ method: 'POST', url: `/api/v1/credentials/${id}/refresh`, headers: t.auth }))
        .statusCode,
    ).toBe(200);
    sandbox.sandbox.setFaults({ token: { mode: 'status', status: 503, count: 1 } });
    await t.app.inject({ method: 'POST', url: `/api/v1/credentials/${id}/refresh`, headers: t.auth });
    const after = await scrape();

    const delta = (metric: string, labels: Record<string, string> = {}) =>
      value(after, metric, labels) - value(before, metric, labels);
    expect(delta('latchkey_token_handouts_total', { source: 'api' })).toBe(3);
    expect(delta('latchkey_token_handouts_total', { source: 'proxy' })).toBe(1);
    expect(delta('latchkey_token_cache_total', { result: 'hit' })).toBeGreaterThanOrEqual(3);
    expect(delta('latchkey_refreshes_total', { outcome: 'ok' })).toBe(1);
    expect(delta('latchkey_refreshes_total', { outcome: 'transient' })).toBe(1);
    expect(delta('latchkey_refresh_duration_seconds_count', { outcome: 'ok' })).toBe(1);
    expect(delta('latchkey_proxy_requests_total', { status: '200' })).toBe(1);
    expect(
      delta('latchkey_http_requests_total', { route: '/api/v1/credentials/:id/token', status: '200' }),
    ).toBe(3);
    expect(value(after, 'latchkey_credentials', { status: 'active' })).toBe(1);
  });
});

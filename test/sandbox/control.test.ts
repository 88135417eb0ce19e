import { describe, expect, it } from 'vitest';
import { api, createHarness, obtainTokens, PREFIX, refresh, register, type Harness } from './helpers.js';

function control(h: Harness, path: string, body?: unknown) {
  return h.app.inject({
    method: body === undefined && path === 'stats' ? 'GET' : 'POST',
    url: `${PREFIX}/_control/${path}`,
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

async function withClient(options = {}) {
  const h = await createHarness({ controls: true, ...options });
  const client = await register(h);
  const tokens = await obtainTokens(h, client);
  return { h, client, tokens };
}

describe('/_control endpoints', () => {
  it('do not exist unless controls are enabled', async () => {
    const h = await createHarness();
    expect((await h.app.inject(`${PREFIX}/_control/stats`)).statusCode).toBe(404);
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: `${PREFIX}/_control/faults`,
          payload: { token: { mode: 'drop' } },
        })
      ).statusCode,
    ).toBe(404);
  });

  it('report exact counters and zero them on reset', async () => {
    const { h, client, tokens } = await withClient();
    const second = (await refresh(h, client, tokens.refresh_token)).json();
    await refresh(h, client, second.refresh_token);
    await refresh(h, client, tokens.refresh_token);
    await api(h, '/me', second.access_token);
    const stats = (await control(h, 'stats')).json();
    expect(stats).toEqual(h.sandbox.stats());
    expect(stats).toMatchObject({
      refreshes: 2,
      refreshTokenReuses: 1,
      tokenRequests: {
        total: 4,
        byGrantType: { authorization_code: { ok: 1, error: 0 }, refresh_token: { ok: 2, error: 1 } },
        errors: { invalid_grant: 1 },
      },
      apiRequests: { total: 1 },
    });
    const reset = await h.app.inject({
      method: 'POST',
      url: `${PREFIX}/_control/reset`,
      headers: { 'content-type': 'application/json' },
    });
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).toMatchObject({
      refreshes: 0,
      tokenRequests: { total: 0, byGrantType: {} },
      apiRequests: { total: 0 },
    });
  });

  it('expire every live access token', async () => {
    const { h, tokens } = await withClient();
    const res = await control(h, 'expire-access-tokens', {});
    expect(res.json()).toEqual({ expired: 1 });
    expect((await api(h, '/me', tokens.access_token)).statusCode).toBe(401);
  });

  it('refuse an invalid fault description', async () => {
    const { h } = await withClient();
    const res = await control(h, 'faults', { token: { mode: 'explode' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBeTruthy();
  });
});

describe('token endpoint faults', () => {
  it('status: answers the given status for count requests, then recovers', async () => {
    const { h, client, tokens } = await withClient();
    expect(
      (await control(h, 'faults', { token: { mode: 'status', status: 503, count: 2 } })).statusCode,
    ).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await refresh(h, client, tokens.refresh_token);
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toBe('temporarily_unavailable');
      expect(res.headers['retry-after']).toBe('1');
    }
    expect((await refresh(h, client, tokens.refresh_token)).statusCode).toBe(200);
    expect(h.sandbox.stats()).toMatchObject({ refreshes: 1, tokenRequests: { faulted: 2 } });
  });

  it('status: can answer a chosen OAuth error', async () => {
    const { h, client, tokens } = await withClient();
    h.sandbox.setFaults({ token: { mode: 'status', status: 400, error: 'invalid_grant', count: 1 } });
    const res = await refresh(h, client, tokens.refresh_token);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_grant');
  });

  it('garbage: answers a body that is not JSON', async () => {
    const { h, client, tokens } = await withClient();
    h.sandbox.setFaults({ token: { mode: 'garbage' } });
    const res = await refresh(h, client, tokens.refresh_token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(() => JSON.parse(res.body)).toThrow();
  });

  it('flap: alternates failure and success, count limiting the failures', async () => {
    const { h, client, tokens } = await withClient();
    h.sandbox.setFaults({ token: { mode: 'flap', count: 2 } });
    let rt = tokens.refresh_token;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await refresh(h, client, rt);
      statuses.push(res.statusCode);
      if (res.statusCode === 200) rt = res.json().refresh_token;
    }
    expect(statuses).toEqual([503, 200, 503, 200, 200]);
    expect(h.sandbox.stats().refreshes).toBe(3);
  });

  it('delay: waits, then processes the request', async () => {
    const { h, client, tokens } = await withClient();
    h.sandbox.setFaults({ token: { mode: 'delay', delayMs: 150, count: 1 } });
    const started = Date.now();
    const res = await refresh(h, client, tokens.refresh_token);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(res.statusCode).toBe(200);
    const quick = Date.now();
    await refresh(h, client, res.json().refresh_token);
    expect(Date.now() - quick).toBeLessThan(140);
  });

  it('drop: closes the connection without an answer', async () => {
    const { h, client, tokens } = await withClient();
    h.sandbox.setFaults({ token: { mode: 'drop', count: 1 } });
    await expect(refresh(h, client, tokens.refresh_token)).rejects.toThrow();
    expect((await refresh(h, client, tokens.refresh_token)).statusCode).toBe(200);
  });

  it('none: clears a fault', async () => {
    const { h, client, tokens } = await withClient();
    h.sandbox.setFaults({ token: { mode: 'status' } });
    h.sandbox.setFaults({ token: { mode: 'none' } });
    expect((await refresh(h, client, tokens.refresh_token)).statusCode).toBe(200);
  });

  it('accessTokenTtlS: overrides the lifetime of new tokens until set to null', async () => {
    const { h, client, tokens } = await withClient();
    await control(h, 'faults', { accessTokenTtlS: 5 });
    const short = (await refresh(h, client, tokens.refresh_token)).json();
    expect(short.expires_in).toBe(5);
    await control(h, 'faults', { accessTokenTtlS: null });
    expect((await refresh(h, client, short.refresh_token)).json().expires_in).toBe(3600);
  });
});

/**
 * Hardening: security headers on every kind of response, body size limits, per-caller rate limits, and
 * routes that declare no access refused when the app is built.
 */
import fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPlugin, createApiKey, createSession, createUser } from '../src/auth/index.js';
import { API_CSP, DOCS_CSP, HSTS, PAGE_CSP } from '../src/http/security.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { HAS_CHROMIUM, launchBrowser } from './e2e/harness.js';

function expectBaseHeaders(res: { headers: Record<string, unknown> }, where: string) {
  expect(res.headers['x-content-type-options'], where).toBe('nosniff');
  expect(res.headers['referrer-policy'], where).toBe('no-referrer');
  expect(res.headers['x-frame-options'], where).toBe('DENY');
  expect(String(res.headers['content-security-policy']), where).toContain("frame-ancestors 'none'");
}

describe('security headers and body limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(() => t.close());

  it('sets them on API answers, errors and unknown routes, with no-store and a CSP that runs nothing', async () => {
    for (const [url, headers, status] of [
      ['/api/v1/credentials', t.auth, 200],
      ['/api/v1/credentials', {}, 401],
      ['/api/v1/credentials/nope', t.auth, 404],
      ['/api/v1/nowhere', {}, 404],
      ['/api/openapi.json', {}, 200],
    ] as const) {
      const res = await t.app.inject({ url, headers });
      expect(res.statusCode, url).toBe(status);
      expectBaseHeaders(res, url);
      expect(res.headers['content-security-policy'], url).toBe(API_CSP);
      expect(res.headers['cache-control'], url).toBe('no-store');
      expect(res.headers['strict-transport-security'], url).toBeUndefined();
    }
  });

  it('gives server-rendered pages a script-free policy, the UI its own and /docs one that swagger-ui needs', async () => {
    const page = await t.app.inject({
      url: '/oauth/callback?state=x&code=y',
      headers: { accept: 'text/html' },
    });
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expectBaseHeaders(page, 'result page');
    expect(page.headers['content-security-policy']).toBe(PAGE_CSP);

    const ui = await t.app.inject({ url: '/connectors' });
    expectBaseHeaders(ui, 'UI');
    expect(ui.headers['content-security-policy']).not.toContain('unsafe-inline');
    // One policy, not two: the UI's own (built) or the page policy (not built).
    expect(String(ui.headers['content-security-policy']).match(/frame-ancestors/g)).toHaveLength(1);

    const docs = await t.app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expectBaseHeaders(docs, '/docs');
    expect(docs.headers['content-security-policy']).toBe(DOCS_CSP);
    // Every script of the page comes from this origin (the CSP allows no inline script) and is served.
    expect(docs.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const scripts = [...docs.body.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(1);
    for (const src of scripts) {
      const asset = await t.app.inject({ url: new URL(src, 'http://x/docs/').pathname });
      expect(asset.statusCode, src).toBe(200);
    }
  });

  it('refuses bodies past the route’s limit: 16 KB for sign-in and setup, 1 MB for other JSON', async () => {
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'a@example.com', password: 'x'.repeat(20_000) },
    });
    expect(signIn.statusCode).toBe(413);
    expect(signIn.json().error.code).toBe('payload_too_large');
    const big = await t.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: t.auth,
      payload: {
        connector: '2ememain',
        name: 'x',
        clientId: 'x',
        clientSecret: 'x',
        description: 'y'.repeat(1_100_000),
      },
    });
    expect(big.statusCode).toBe(413);
  });

  it('refuses to build an app with a route that declares no access', async () => {
    const app = fastify();
    await app.register(authPlugin, { authenticators: [] });
    expect(() => app.get('/forgotten', async () => 'open?')).toThrow(/GET \/forgotten declares no access/);
    app.get('/declared', { config: { public: true } }, async () => 'public');
    await app.ready();
    await app.close();
  });
});

describe('on an https public URL', () => {
  it('sends Strict-Transport-Security', async () => {
    const t = await createTestApp('sqlite', { LATCHKEY_PUBLIC_URL: 'https://keys.example.com' });
    try {
      for (const url of ['/healthz', '/api/v1/credentials', '/docs/']) {
        expect((await t.app.inject(url)).headers['strict-transport-security'], url).toBe(HSTS);
      }
    } finally {
      await t.close();
    }
  });
});

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { LATCHKEY_RATE_LIMIT_PER_MIN: '5', LATCHKEY_SANDBOX: '1' });
  });
  afterAll(() => t.close());

  const get = (url: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
    t.app.inject({ url, headers, remoteAddress });

  it('answers 429 with Retry-After past a key’s limit; other keys and users are unaffected', async () => {
    const a = {
      authorization: `Bearer ${(await createApiKey(t.ctx.db, { workspaceId: t.ctx.defaultWorkspaceId, name: 'a', role: 'viewer' })).key}`,
    };
    const b = {
      authorization: `Bearer ${(await createApiKey(t.ctx.db, { workspaceId: t.ctx.defaultWorkspaceId, name: 'b', role: 'viewer' })).key}`,
    };
    for (let i = 0; i < 5; i++) expect((await get('/api/v1/credentials', a)).statusCode).toBe(200);
    const limited = await get('/api/v1/credentials', a);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
    // 5 a minute: one more every 12 s.
    expect(Number(limited.headers['retry-after'])).toBe(12);
    expectBaseHeaders(limited, '429');
    expect((await get('/api/v1/credentials', b)).statusCode).toBe(200);

    const user = await createUser(t.ctx.db, {
      email: 'u@example.com',
      password: 'long enough password',
      workspaceId: t.ctx.defaultWorkspaceId,
      role: 'viewer',
    });
    const s = await createSession(t.ctx.db, user.id, t.ctx.defaultWorkspaceId);
    expect((await get('/api/v1/credentials', { cookie: `latchkey_session=${s.id}` })).statusCode).toBe(200);
  });

  it('limits unauthenticated callers per address, and stops an address that keeps presenting bad keys', async () => {
    for (let i = 0; i < 5; i++) expect((await get('/api/v1/setup', {}, '10.9.0.1')).statusCode).toBe(200);
    expect((await get('/api/v1/setup', {}, '10.9.0.1')).statusCode).toBe(429);
    expect((await get('/api/v1/setup', {}, '10.9.0.2')).statusCode).toBe(200);
    // Health checks and the sandbox provider (which Latchkey itself calls) are never limited.
    for (const url of ['/healthz', '/sandbox/2ememain/.well-known/oauth-authorization-server'])
      for (let i = 0; i < 8; i++) expect((await get(url, {}, '10.9.0.1')).statusCode, url).toBe(200);

    const bad = { authorization: 'Bearer lk_not_a_real_key_0000000000000000000000000' };
    for (let i = 0; i < 5; i++)
      expect((await get('/api/v1/credentials', bad, '10.9.0.3')).statusCode).toBe(401);
    const stopped = await get('/api/v1/credentials', bad, '10.9.0.3');
    expect(stopped.statusCode).toBe(429);
    expect(Number(stopped.headers['retry-after'])).toBeGreaterThan(0);
    // Its public pages are another budget.
    expect((await get('/api/v1/setup', {}, '10.9.0.3')).statusCode).toBe(200);
  });
});

describe.skipIf(!HAS_CHROMIUM)('the pages render under their CSP (Chromium)', () => {
  it('renders /docs and the OAuth result page without a CSP violation', { timeout: 60_000 }, async () => {
    const t = await createTestApp('sqlite');
    const browser = await launchBrowser();
    try {
      const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (msg) => {
        if (/Content[- ]Security[- ]Policy/i.test(msg.text())) violations.push(msg.text());
      });
      page.on('pageerror', (err) => violations.push(err.message));
      await page.goto(`${address}/docs/`);
      await page
        .locator('.swagger-ui .info .title')
        .filter({ hasText: 'Latchkey API' })
        .waitFor({ timeout: 20_000 });
      await page.locator('.opblock-tag', { hasText: 'api-keys' }).first().waitFor();
      await page.goto(`${address}/oauth/callback?state=unknown&code=x`);
      await page.getByText('Authorization not completed').waitFor();
      // The page's inline style applies (a centred card on a grey background).
      expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe(
        'rgb(246, 247, 249)',
      );
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
      await t.close();
    }
  });
});

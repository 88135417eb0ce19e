import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';

const ADMIN = { email: 'Admin@Example.com', password: 'correct horse battery' };

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = res.headers['set-cookie'];
  const first = Array.isArray(set) ? set[0] : String(set);
  return first.split(';')[0]!;
}

describeEachDialect('setup and sessions', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(dialect);
  });
  afterEach(() => t.close());

  const setup = () => t.app.inject({ method: 'POST', url: '/api/v1/setup', payload: ADMIN });
  const signIn = (body: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: '/api/v1/session', payload: body });

  it('creates the first admin once, then only signs in', async () => {
    expect((await t.app.inject('/api/v1/setup')).json()).toEqual({ needsSetup: true });
    const res = await setup();
    expect(res.statusCode).toBe(201);
    const view = res.json();
    expect(view).toMatchObject({
      user: { email: 'admin@example.com' },
      role: 'admin',
      workspace: { id: 'ws_default' },
    });
    expect(view.csrfToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(view.redirectUri).toBe('http://127.0.0.1:3000/oauth/callback');
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^latchkey_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).not.toContain('Secure');
    expect((await t.app.inject('/api/v1/setup')).json()).toEqual({ needsSetup: false });
    const again = await setup();
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('setup_complete');
  });

  it('refuses a weak first password', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/setup',
      payload: { email: 'a@b.example', password: 'short' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('body.password');
  });

  it('signs in and out; wrong password and unknown account get the same answer', async () => {
    await setup();
    const wrong = await signIn({ email: ADMIN.email, password: 'nope' });
    const unknown = await signIn({ email: 'ghost@example.com', password: 'nope' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error.code).toBe('invalid_credentials');

    const ok = await signIn({ email: 'admin@example.com', password: ADMIN.password });
    expect(ok.statusCode).toBe(200);
    const cookie = cookieOf(ok);
    const me = await t.app.inject({ url: '/api/v1/session', headers: { cookie } });
    expect(me.json()).toMatchObject({
      user: { email: 'admin@example.com' },
      role: 'admin',
      csrfToken: ok.json().csrfToken,
    });
    const out = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { cookie, 'x-csrf-token': ok.json().csrfToken },
    });
    expect(out.statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/v1/credentials', headers: { cookie } })).statusCode).toBe(401);
  });

  it('refuses state-changing requests made with the cookie but without the CSRF token', async () => {
    const res = await setup();
    const cookie = cookieOf(res);
    const csrf = res.json().csrfToken as string;
    const payload = { connector: '2ememain', name: 'x', clientId: 'i', clientSecret: 's' };
    const none = await t.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: { cookie },
      payload,
    });
    expect(none.statusCode).toBe(403);
    expect(none.json().error.code).toBe('csrf_failed');
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: { cookie, 'x-csrf-token': csrf.replace(/^./, csrf[0] === 'a' ? 'b' : 'a') },
      payload,
    });
    expect(bad.statusCode).toBe(403);
    const list = await t.app.inject({ url: '/api/v1/credentials', headers: { cookie } });
    expect(list.json().items).toEqual([]);
    const good = await t.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: { cookie, 'x-csrf-token': csrf },
      payload,
    });
    expect(good.statusCode).toBe(201);
  });

  it('throttles repeated wrong passwords; the real user gets in after the window', async () => {
    await setup();
    for (let i = 0; i < 5; i++)
      expect((await signIn({ ...ADMIN, password: `wrong-${i}` })).statusCode).toBe(401);
    const blocked = await signIn(ADMIN);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('too_many_attempts');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(800);
    // The window passes.
    await t.ctx.db.kysely
      .updateTable('throttles')
      .set({ blocked_until: Date.now() - 1, window_start: 0 })
      .execute();
    const ok = await signIn(ADMIN);
    expect(ok.statusCode).toBe(200);
    const audit = await t.app.inject({ url: '/api/v1/audit?action=session.sign_in_failed', headers: t.auth });
    expect(audit.json().items).toHaveLength(5);
    expect(audit.body).not.toContain('wrong-');
  });
});

it('creates the admin from LATCHKEY_BOOTSTRAP_ADMIN_EMAIL/PASSWORD and marks cookies Secure on https', async () => {
  const t = await createTestApp('sqlite', {
    LATCHKEY_BOOTSTRAP_ADMIN_EMAIL: 'ops@example.com',
    LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD: 'bootstrap-password',
    LATCHKEY_PUBLIC_URL: 'https://keys.example.com',
  });
  try {
    expect((await t.app.inject('/api/v1/setup')).json()).toEqual({ needsSetup: false });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      payload: { email: 'ops@example.com', password: 'bootstrap-password' },
    });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['set-cookie'])).toContain('Secure');
  } finally {
    await t.close();
  }
});

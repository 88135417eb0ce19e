/**
 * Brute force: wrong passwords are throttled per client address (across accounts) and on the password
 * change; the real user still gets in once the window has passed.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LOGIN_RULES } from '../src/auth/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';

const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' };

describeEachDialect('sign-in and password throttling', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(dialect);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/setup', payload: ADMIN })).statusCode).toBe(
      201,
    );
  });
  afterEach(() => t.close());

  const signIn = (body: { email: string; password: string }, remoteAddress = '10.0.0.1') =>
    t.app.inject({ method: 'POST', url: '/api/v1/session', payload: body, remoteAddress });
  const windowPasses = () =>
    t.ctx.db.kysely
      .updateTable('throttles')
      .set({ blocked_until: Date.now() - 1, window_start: 0 })
      .execute();

  it('blocks an address that tries many accounts, not the others; the user gets in after the window', async () => {
    // Spread over many accounts, so that no account's own limit is reached. (The first ones are taken as
    // done — each costs a password hash — and the last few made here.)
    const limit = LOGIN_RULES.address.limit;
    await t.ctx.db.kysely
      .insertInto('throttles')
      .values({ key: 'login:ip:10.0.0.1', count: limit - 4, window_start: Date.now(), blocked_until: null })
      .execute();
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => signIn({ email: `guess-${i}@example.com`, password: 'x' })),
    );
    expect(results.map((r) => r.statusCode)).toEqual([401, 401, 401, 401]);
    const blocked = await signIn(ADMIN);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('too_many_attempts');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(800);
    // Another address is not concerned.
    expect((await signIn(ADMIN, '10.0.0.2')).statusCode).toBe(200);
    await windowPasses();
    expect((await signIn(ADMIN)).statusCode).toBe(200);
  });

  it('lets a burst of parallel guesses at one account check no more passwords than the limit', async () => {
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        signIn({ email: ADMIN.email, password: `guess-${i}` }, `10.1.0.${i}`),
      ),
    );
    const statuses = burst.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(LOGIN_RULES.account.limit);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20 - LOGIN_RULES.account.limit);
  });

  it('throttles wrong current passwords on the password change; the right one works after the window', async () => {
    const first = await signIn(ADMIN);
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    const headers = { cookie, 'x-csrf-token': first.json().csrfToken as string };
    const other = await signIn(ADMIN, '10.0.0.3');
    const otherCookie = String(other.headers['set-cookie']).split(';')[0]!;
    const change = (currentPassword: string, newPassword = 'a brand new password') =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/session/password',
        headers,
        payload: { currentPassword, newPassword },
      });

    for (let i = 0; i < LOGIN_RULES.account.limit; i++) {
      const res = await change(`wrong-guess-${i}`);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('wrong_password');
    }
    const blocked = await change(ADMIN.password);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('too_many_attempts');
    expect((await signIn({ ...ADMIN, password: 'a brand new password' })).statusCode).toBe(401);

    await windowPasses();
    expect((await change(ADMIN.password)).statusCode).toBe(204);
    // The new password works, the old one not; this session lives on, the user's other sessions ended.
    expect((await signIn(ADMIN)).statusCode).toBe(401);
    expect((await signIn({ ...ADMIN, password: 'a brand new password' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(200);
    expect(
      (await t.app.inject({ url: '/api/v1/session', headers: { cookie: otherCookie } })).statusCode,
    ).toBe(401);

    const audit = await t.app.inject({ url: '/api/v1/audit?limit=100', headers: t.auth });
    const actions = audit.json().items.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'user.password_change_failed')).toHaveLength(
      LOGIN_RULES.account.limit,
    );
    expect(actions).toContain('user.password_changed');
    for (const secret of ['wrong-guess', ADMIN.password, 'a brand new password'])
      expect(audit.body).not.toContain(secret);
  });

  it('refuses the password change to an API key, and asks for a real new password', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session/password',
      headers: t.auth,
      payload: { currentPassword: 'x', newPassword: 'long enough password' },
    });
    expect(res.statusCode).toBe(403);
    const first = await signIn(ADMIN);
    const weak = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session/password',
      headers: {
        cookie: String(first.headers['set-cookie']).split(';')[0]!,
        'x-csrf-token': first.json().csrfToken,
      },
      payload: { currentPassword: ADMIN.password, newPassword: 'short' },
    });
    expect(weak.statusCode).toBe(400);
  });
});

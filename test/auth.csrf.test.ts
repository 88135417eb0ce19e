/**
 * CSRF, driven by the route table: every state-changing route refuses a request that carries a valid
 * session cookie without the session's CSRF token, or with a wrong one — before it changes anything.
 */
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSession, createUser } from '../src/auth/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Public state-changing routes that do not act on a session, so they have no CSRF token to check: setup and
 * sign-in (they only take JSON, which a cross-site form cannot send). The sandbox provider has its own.
 */
const NO_SESSION = new Set(['POST /api/v1/setup', 'POST /api/v1/session']);
const isSandbox = (url: string) => url.startsWith('/sandbox/2ememain/');

describeEachDialect('CSRF on every state-changing route', (dialect) => {
  let t: TestApp;
  const routes: { method: string; url: string; isPublic: boolean }[] = [];
  beforeAll(async () => {
    t = await createTestApp(
      dialect,
      { LATCHKEY_SANDBOX: '1' },
      {
        onRoute: (r: RouteOptions) => {
          for (const method of [r.method].flat())
            routes.push({ method, url: r.url, isPublic: Boolean(r.config?.public) });
        },
      },
    );
  });
  afterAll(() => t.close());

  it('refuses a session cookie without the right X-CSRF-Token, and accepts it with the token', async () => {
    const user = await createUser(t.ctx.db, {
      email: 'admin@example.com',
      password: 'correct horse battery',
      workspaceId: t.ctx.defaultWorkspaceId,
      role: 'admin',
    });
    const session = await createSession(t.ctx.db, user.id, t.ctx.defaultWorkspaceId);
    const cookie = `latchkey_session=${session.id}`;
    const wrong = session.csrfToken.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
    const events = async () =>
      (await t.ctx.db.kysely.selectFrom('audit_events').select('id').execute()).length;
    const before = await events();

    const unsafe = routes.filter((r) => !SAFE.has(r.method));
    const publicUnsafe = unsafe
      .filter((r) => r.isPublic && !isSandbox(r.url))
      .map((r) => `${r.method} ${r.url}`);
    // A new public state-changing route must be looked at: does it act on the session?
    expect(publicUnsafe.sort()).toEqual([...NO_SESSION, 'DELETE /api/v1/session'].sort());

    const checked = unsafe.filter((r) => !NO_SESSION.has(`${r.method} ${r.url}`) && !isSandbox(r.url));
    expect(checked.length).toBeGreaterThan(30);
    const failures: string[] = [];
    for (const r of checked) {
      const url = r.url.replace(/:[A-Za-z]+/g, 'x').replace('*', 'x');
      for (const token of [undefined, wrong, '']) {
        const res = await t.app.inject({
          method: r.method as 'POST',
          url,
          headers: {
            cookie,
            'content-type': 'application/json',
            ...(token === undefined ? {} : { 'x-csrf-token': token }),
          },
          payload: '{}',
        });
        if (res.statusCode !== 403 || res.json().error.code !== 'csrf_failed')
          failures.push(
            `${r.method} ${r.url} with token ${JSON.stringify(token)}: ${res.statusCode} ${res.body}`,
          );
      }
    }
    expect(failures).toEqual([]);
    // Nothing happened: no audit event, the session is still there.
    expect(await events()).toBe(before);
    const me = await t.app.inject({ url: '/api/v1/session', headers: { cookie } });
    expect(me.statusCode).toBe(200);

    // The right token passes.
    const good = await t.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: { cookie, 'x-csrf-token': session.csrfToken },
      payload: { connector: '2ememain', name: 'x', clientId: 'i', clientSecret: 's' },
    });
    expect(good.statusCode).toBe(201);
    const out = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/session',
      headers: { cookie, 'x-csrf-token': session.csrfToken },
    });
    expect(out.statusCode).toBe(204);
  });
});

/** Accounts, memberships, workspaces and API keys through the API, on every dialect. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { API_KEY_CACHE_MS, createApiKey, createSession } from '../src/auth/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';

const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' };

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = res.headers['set-cookie'];
  return (Array.isArray(set) ? set[0] : String(set)).split(';')[0]!;
}

describeEachDialect('accounts, workspaces and API keys', (dialect) => {
  let t: TestApp;
  /** The first admin's session: cookie and CSRF token. */
  let admin: { cookie: string; 'x-csrf-token': string };
  let adminId: string;
  beforeEach(async () => {
    t = await createTestApp(dialect);
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/setup', payload: ADMIN });
    admin = { cookie: cookieOf(res), 'x-csrf-token': res.json().csrfToken };
    adminId = res.json().user.id;
  });
  afterEach(() => t.close());

  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    headers: Record<string, string>,
    payload?: object,
  ) => t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const signIn = (email: string, password: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email, password } });
  const session = async (email: string, password: string) => {
    const res = await signIn(email, password);
    expect(res.statusCode).toBe(200);
    return { cookie: cookieOf(res), 'x-csrf-token': res.json().csrfToken as string };
  };
  const actions = async () =>
    (await call('GET', '/api/v1/audit?limit=200', t.auth))
      .json()
      .items.map((e: { action: string }) => e.action);

  it('lets an admin create an account that signs in with its role; a known email is a conflict', async () => {
    const created = await call('POST', '/api/v1/users', admin, {
      email: 'Ed@Example.com',
      password: 'editor password',
      role: 'editor',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ email: 'ed@example.com', role: 'editor' });
    expect(Object.keys(created.json()).sort()).toEqual(['createdAt', 'email', 'id', 'joinedAt', 'role']);
    const ed = await signIn('ed@example.com', 'editor password');
    expect(ed.json()).toMatchObject({ role: 'editor', workspace: { id: 'ws_default' } });

    const again = await call('POST', '/api/v1/users', admin, {
      email: 'ed@example.com',
      password: 'another password',
      role: 'admin',
    });
    expect(again.statusCode).toBe(409);
    expect((await signIn('ed@example.com', 'another password')).statusCode).toBe(401);
    const weak = await call('POST', '/api/v1/users', admin, {
      email: 'w@example.com',
      password: 'short',
      role: 'viewer',
    });
    expect(weak.statusCode).toBe(400);

    const list = await call('GET', '/api/v1/users', admin);
    expect(list.json().items.map((u: { email: string; role: string }) => `${u.email}:${u.role}`)).toEqual([
      'admin@example.com:admin',
      'ed@example.com:editor',
    ]);
    const audit = await call('GET', '/api/v1/audit?action=user.created', t.auth);
    expect(audit.json().items).toHaveLength(2);
    expect(audit.body).not.toContain('editor password');
  });

  it('changes roles and removes members, never the last admin; a removed member is out at once', async () => {
    const ed = (
      await call('POST', '/api/v1/users', admin, {
        email: 'ed@example.com',
        password: 'editor password',
        role: 'editor',
      })
    ).json();
    const edSession = await session('ed@example.com', 'editor password');
    expect((await call('GET', '/api/v1/credentials', edSession)).statusCode).toBe(200);

    const demoteSelf = await call('PATCH', `/api/v1/users/${adminId}`, admin, { role: 'editor' });
    expect(demoteSelf.statusCode).toBe(409);
    expect(demoteSelf.json().error.code).toBe('last_admin');
    expect((await call('DELETE', `/api/v1/users/${adminId}`, admin)).json().error.code).toBe('last_admin');
    expect(
      (await call('DELETE', `/api/v1/workspaces/ws_default/members/${adminId}`, admin)).json().error.code,
    ).toBe('last_admin');

    const promoted = await call('PATCH', `/api/v1/users/${ed.id}`, admin, { role: 'admin' });
    expect(promoted.json().role).toBe('admin');
    // Now there is another admin: the first may step down.
    expect(
      (
        await call('PATCH', `/api/v1/workspaces/ws_default/members/${adminId}`, admin, { role: 'viewer' })
      ).json().role,
    ).toBe('viewer');
    // …and, a viewer now, manages members no more.
    expect((await call('GET', '/api/v1/users', admin)).statusCode).toBe(403);
    expect(
      (await call('PATCH', `/api/v1/users/${ed.id}`, edSession, { role: 'editor' })).json().error.code,
    ).toBe('last_admin');

    expect((await call('DELETE', `/api/v1/users/${adminId}`, edSession)).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/session', admin)).statusCode).toBe(401);
    expect((await signIn(ADMIN.email, ADMIN.password)).statusCode).toBe(401);
    expect(await actions()).toEqual(
      expect.arrayContaining(['membership.role_changed', 'membership.removed', 'session.signed_in']),
    );
  });

  it('creates workspaces whose creator is admin, switches the session, and hides the others (404)', async () => {
    const created = await call('POST', '/api/v1/workspaces', admin, { name: 'Team B' });
    expect(created.statusCode).toBe(201);
    const b = created.json();
    expect(b).toMatchObject({ name: 'Team B', role: 'admin', current: false });
    const mine = await call('GET', '/api/v1/workspaces', admin);
    expect(mine.json().items.map((w: { id: string; current: boolean }) => [w.id, w.current])).toEqual([
      ['ws_default', true],
      [b.id, false],
    ]);
    // A credential in the default workspace, invisible from Team B.
    const cred = await call('POST', '/api/v1/credentials', admin, {
      connector: '2ememain',
      name: 'Shop',
      clientId: 'c',
      clientSecret: 's',
    });
    expect(cred.statusCode).toBe(201);
    const switched = await call('POST', '/api/v1/session/workspace', admin, { workspaceId: b.id });
    expect(switched.json()).toMatchObject({ workspace: { id: b.id, name: 'Team B' }, role: 'admin' });
    expect((await call('GET', '/api/v1/credentials', admin)).json().items).toEqual([]);
    expect((await call('GET', `/api/v1/credentials/${cred.json().id}`, admin)).statusCode).toBe(404);

    // Another user, in the default workspace only: Team B does not exist for them.
    await call('POST', '/api/v1/session/workspace', admin, { workspaceId: 'ws_default' });
    await call('POST', '/api/v1/users', admin, {
      email: 'vi@example.com',
      password: 'viewer password',
      role: 'viewer',
    });
    const vi = await session('vi@example.com', 'viewer password');
    expect((await call('POST', '/api/v1/session/workspace', vi, { workspaceId: b.id })).statusCode).toBe(404);
    expect((await call('GET', `/api/v1/workspaces/${b.id}/members`, vi)).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/workspaces', vi)).json().items).toHaveLength(1);

    // Added to Team B as an editor, they may switch to it (and are no admin there).
    const added = await call('POST', `/api/v1/workspaces/${b.id}/members`, admin, {
      email: 'VI@example.com',
      role: 'editor',
    });
    expect(added.statusCode).toBe(201);
    expect(
      (
        await call('POST', `/api/v1/workspaces/${b.id}/members`, admin, {
          email: 'vi@example.com',
          role: 'editor',
        })
      ).statusCode,
    ).toBe(409);
    expect(
      (
        await call('POST', `/api/v1/workspaces/${b.id}/members`, admin, {
          email: 'ghost@example.com',
          role: 'editor',
        })
      ).statusCode,
    ).toBe(404);
    expect((await call('POST', '/api/v1/session/workspace', vi, { workspaceId: b.id })).json().role).toBe(
      'editor',
    );
    expect((await call('GET', `/api/v1/workspaces/${b.id}/members`, vi)).statusCode).toBe(403);

    // API keys belong to one workspace: no switching, no creating workspaces.
    expect((await call('POST', '/api/v1/session/workspace', t.auth, { workspaceId: b.id })).statusCode).toBe(
      403,
    );
    expect((await call('POST', '/api/v1/workspaces', t.auth, { name: 'C' })).statusCode).toBe(403);
    expect((await call('GET', `/api/v1/workspaces/${b.id}/members`, t.auth)).statusCode).toBe(404);
    expect(await actions()).toContain('workspace.created');
    // Team B's changes are in Team B's own log.
    const inB = await t.ctx.db.kysely
      .selectFrom('audit_events')
      .select('action')
      .where('workspace_id', '=', b.id)
      .execute();
    expect(inB.map((e) => e.action)).toEqual(
      expect.arrayContaining(['workspace.created', 'membership.added']),
    );
  });

  it('creates API keys shown once, never above the caller’s role, and revokes them at once', async () => {
    const res = await call('POST', '/api/v1/api-keys', t.auth, {
      name: 'pipeline',
      role: 'editor',
      expiresInDays: 30,
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const created = res.json();
    expect(Object.keys(created).sort()).toEqual(
      ['createdAt', 'expiresAt', 'id', 'key', 'lastFour', 'lastUsedAt', 'name', 'revokedAt', 'role'].sort(),
    );
    expect(created.key).toMatch(/^lk_[A-Za-z0-9_-]{43}$/);
    expect(created.lastFour).toBe(created.key.slice(-4));
    expect(Date.parse(created.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const editor = { authorization: `Bearer ${created.key}` };
    expect((await call('GET', '/api/v1/credentials', editor)).statusCode).toBe(200);

    const list = await call('GET', '/api/v1/api-keys', t.auth);
    expect(list.body).not.toContain(created.key);
    expect(list.json().items.find((k: { id: string }) => k.id === created.id)).toMatchObject({
      name: 'pipeline',
      role: 'editor',
    });

    // An editor key may make editor and viewer keys, never an admin one, and may not revoke an admin key.
    expect((await call('POST', '/api/v1/api-keys', editor, { name: 'up', role: 'admin' })).statusCode).toBe(
      403,
    );
    expect(
      (await call('POST', '/api/v1/api-keys', editor, { name: 'same', role: 'editor' })).statusCode,
    ).toBe(201);
    const adminKeyId = list.json().items.find((k: { role: string }) => k.role === 'admin').id;
    expect((await call('DELETE', `/api/v1/api-keys/${adminKeyId}`, editor)).statusCode).toBe(403);
    // A viewer session may not manage keys at all.
    expect(
      (
        await call('GET', '/api/v1/api-keys', {
          authorization: `Bearer ${(await call('POST', '/api/v1/api-keys', t.auth, { name: 'v', role: 'viewer' })).json().key}`,
        })
      ).statusCode,
    ).toBe(403);

    expect(
      (
        await call('POST', '/api/v1/api-keys', t.auth, {
          name: 'x',
          role: 'viewer',
          expiresAt: '2001-01-01T00:00:00Z',
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await call('POST', '/api/v1/api-keys', t.auth, {
          name: 'x',
          role: 'viewer',
          expiresAt: '2099-01-01T00:00:00Z',
          expiresInDays: 3,
        })
      ).statusCode,
    ).toBe(400);

    // Revoked: refused on the next request, well within the authenticator's cache time.
    expect(API_KEY_CACHE_MS).toBeGreaterThan(0);
    expect((await call('DELETE', `/api/v1/api-keys/${created.id}`, admin)).statusCode).toBe(204);
    expect((await call('GET', '/api/v1/credentials', editor)).statusCode).toBe(401);
    const after = (await call('GET', '/api/v1/api-keys', t.auth))
      .json()
      .items.find((k: { id: string }) => k.id === created.id);
    expect(after.revokedAt).not.toBeNull();

    // Another workspace's key is not found.
    await t.ctx.db.kysely
      .insertInto('workspaces')
      .values({ id: 'ws_b', name: 'B', created_at: Date.now() })
      .execute();
    const other = await createApiKey(t.ctx.db, { workspaceId: 'ws_b', name: 'b', role: 'admin' });
    expect((await call('DELETE', `/api/v1/api-keys/${other.record.id}`, t.auth)).statusCode).toBe(404);
    expect(
      (await call('GET', '/api/v1/credentials', { authorization: `Bearer ${other.key}` })).statusCode,
    ).toBe(200);

    const audit = await call('GET', '/api/v1/audit?limit=200', t.auth);
    expect(await actions()).toEqual(expect.arrayContaining(['api_key.created', 'api_key.revoked']));
    expect(audit.body).not.toContain(created.key);
  });

  it('records sign-outs; an ended session no longer works, a stale cookie is simply cleared', async () => {
    const s = await createSession(t.ctx.db, adminId, 'ws_default');
    const cookie = `latchkey_session=${s.id}`;
    const out = await call('DELETE', '/api/v1/session', { cookie, 'x-csrf-token': s.csrfToken });
    expect(out.statusCode).toBe(204);
    expect((await call('GET', '/api/v1/session', { cookie })).statusCode).toBe(401);
    expect(await actions()).toContain('session.signed_out');
    // A stale cookie is simply cleared.
    expect((await call('DELETE', '/api/v1/session', { cookie })).statusCode).toBe(204);
  });
});

import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';

describeEachDialect('API key cache (the proxy fast path’s lookup)', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(dialect);
  });
  afterEach(() => t.close());

  const get = (authorization: string) =>
    t.app.inject({ method: 'GET', url: '/api/v1/credentials', headers: { authorization } });

  it('answers from memory only a key looked up before, and never reuses a hash for another header', async () => {
    const auth = t.ctx.apiKeyAuth;
    const header = t.auth.authorization;
    const connection = {};
    // Cold: the answer would need the database.
    expect(auth.cached(header, connection)).toBeNull();
    expect((await get(header)).statusCode).toBe(200);
    const principal = auth.cached(header, connection);
    expect(principal).toMatchObject({ workspaceId: t.ctx.defaultWorkspaceId, role: 'admin' });
    // The same connection sending the same header again, and another connection sending it.
    expect(auth.cached(header, connection)).toMatchObject({ workspaceId: t.ctx.defaultWorkspaceId });
    expect(auth.cached(header, {})).toMatchObject({ workspaceId: t.ctx.defaultWorkspaceId });
    // Another header on that connection is judged on its own, and the first is still known after it.
    expect(auth.cached(`${header}x`, connection)).toBeNull();
    expect(auth.cached('Basic abc', connection)).toBeNull();
    expect(auth.cached(header, connection)).toMatchObject({ role: 'admin' });
  });

  it('refuses a revoked key at once, even on a connection that sent it before', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: t.auth,
      payload: { name: 'pipeline', role: 'editor' },
    });
    expect(created.statusCode).toBe(201);
    const { id, key } = created.json() as { id: string; key: string };
    const header = `Bearer ${key}`;
    const connection = {};
    expect((await get(header)).statusCode).toBe(200);
    expect(t.ctx.apiKeyAuth.cached(header, connection)).toMatchObject({ role: 'editor' });
    const revoked = await t.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers: t.auth });
    expect(revoked.statusCode).toBe(204);
    expect(t.ctx.apiKeyAuth.cached(header, connection)).toBeNull();
    expect((await get(header)).statusCode).toBe(401);
  });
});

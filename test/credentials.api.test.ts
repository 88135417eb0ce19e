import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApiKey, createWorkspace } from '../src/auth/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';

const SECRET = 'Sup3r-S3cret/with+chars:%&= and space';

function body(overrides: Record<string, unknown> = {}) {
  return {
    connector: '2ememain',
    name: 'Shop account',
    description: 'Reads our listings',
    clientId: 'client-123',
    clientSecret: SECRET,
    scope: 'read write',
    ...overrides,
  };
}

describeEachDialect('credentials API', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  const create = (overrides: Record<string, unknown> = {}) =>
    t.app.inject({ method: 'POST', url: '/api/v1/credentials', headers: t.auth, payload: body(overrides) });

  it('creates a credential pending authorization, showing the redirect URI and never the secret', async () => {
    const res = await create();
    expect(res.statusCode).toBe(201);
    const view = res.json();
    expect(view).toMatchObject({
      connector: '2ememain',
      name: 'Shop account',
      description: 'Reads our listings',
      clientId: 'client-123',
      clientSecretSet: true,
      scope: 'read write',
      grantedScope: null,
      status: 'pending_authorization',
      accessTokenExpiresAt: null,
      lastError: null,
      lastTest: null,
      redirectUri: 'http://127.0.0.1:3000/oauth/callback',
      usedBy: [],
    });
    expect(view.id).toMatch(/^cred_/);
    expect(res.headers.location).toBe(`/api/v1/credentials/${view.id}`);
    expect(res.body).not.toContain(SECRET);
    expect(Object.keys(view)).not.toContain('clientSecret');
  });

  it('lists, reads, edits and deletes', async () => {
    const a = (await create({ name: 'A' })).json();
    const b = (await create({ name: 'B', connector: '2dehands' })).json();

    const list = await t.app.inject({ url: '/api/v1/credentials', headers: t.auth });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((c: { name: string }) => c.name)).toEqual(['B', 'A']);

    const filtered = await t.app.inject({ url: '/api/v1/credentials?connector=2dehands', headers: t.auth });
    expect(filtered.json().items.map((c: { id: string }) => c.id)).toEqual([b.id]);
    const byStatus = await t.app.inject({ url: '/api/v1/credentials?status=active', headers: t.auth });
    expect(byStatus.json().items).toEqual([]);

    const page1 = await t.app.inject({ url: '/api/v1/credentials?limit=1', headers: t.auth });
    expect(page1.json().items).toHaveLength(1);
    const cursor = page1.json().nextCursor;
    expect(cursor).toBe(b.id);
    const page2 = await t.app.inject({
      url: `/api/v1/credentials?limit=1&cursor=${cursor}`,
      headers: t.auth,
    });
    expect(page2.json()).toEqual({ items: [expect.objectContaining({ id: a.id })], nextCursor: null });

    const got = await t.app.inject({ url: `/api/v1/credentials/${a.id}`, headers: t.auth });
    expect(got.json().name).toBe('A');

    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/credentials/${a.id}`,
      headers: t.auth,
      payload: { name: 'A2', description: null, scope: '', clientSecret: 'rotated-secret' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      name: 'A2',
      description: null,
      scope: null,
      clientSecretSet: true,
    });
    expect(patched.body).not.toContain('rotated-secret');
    const row = await t.ctx.credentials.load(t.ctx.defaultWorkspaceId, a.id);
    expect(t.ctx.vault.open(row.client_secret_sealed, `${a.id}:client_secret`)).toBe('rotated-secret');

    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/credentials/${a.id}`, headers: t.auth });
    expect(del.statusCode).toBe(204);
    const gone = await t.app.inject({ url: `/api/v1/credentials/${a.id}`, headers: t.auth });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ error: { code: 'not_found', message: 'credential not found' } });
  });

  it('stores an empty description as none', async () => {
    const res = await create({ description: '  ' });
    expect(res.json().description).toBeNull();
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/credentials/${res.json().id}`,
      headers: t.auth,
      payload: { description: '' },
    });
    expect(patched.json().description).toBeNull();
  });

  it('refuses to delete a credential that a source uses, naming it', async () => {
    const c = (await create()).json();
    const now = Date.now();
    await t.ctx.db.kysely
      .insertInto('sources')
      .values({
        id: 'src_1',
        workspace_id: t.ctx.defaultWorkspaceId,
        kind: 'source',
        name: 'Nightly ads',
        connector: '2ememain',
        credential_id: c.id,
        resource: 'advertisements',
        params: '{}',
        created_at: now,
        updated_at: now,
      })
      .execute();
    const got = await t.app.inject({ url: `/api/v1/credentials/${c.id}`, headers: t.auth });
    expect(got.json().usedBy).toEqual([{ id: 'src_1', kind: 'source', name: 'Nightly ads' }]);
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/credentials/${c.id}`, headers: t.auth });
    expect(del.statusCode).toBe(409);
    expect(del.json().error.code).toBe('credential_in_use');
    expect(del.json().error.message).toContain('Nightly ads');
  });

  it.each([
    ['missing name', { name: undefined }, /body\.name/],
    ['empty name', { name: '   ' }, /body\.name: must not be empty/],
    ['wrong type', { clientId: 42 }, /body\.clientId/],
    ['oversize name', { name: 'x'.repeat(201) }, /at most 200/],
    ['oversize secret', { clientSecret: 'x'.repeat(4097) }, /at most 4096/],
    ['control characters', { name: 'a\u0000b' }, /control characters/],
    ['unknown field', { extra: true }, /unknown field "extra"/],
    ['null secret', { clientSecret: null }, /body\.clientSecret/],
  ])('answers 400 validation_failed for %s', async (_label, overrides, message) => {
    const payload = body(overrides as Record<string, unknown>);
    for (const [k, v] of Object.entries(overrides))
      if (v === undefined) delete (payload as Record<string, unknown>)[k];
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/credentials', headers: t.auth, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(res.json().error.message).toMatch(message);
    expect(res.body).not.toContain(SECRET);
    const list = await t.app.inject({ url: '/api/v1/credentials', headers: t.auth });
    expect(list.json().items).toEqual([]);
  });

  it('answers 400 unknown_connector for a connector not in the catalog', async () => {
    const res = await create({ connector: 'nope' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({
      code: 'unknown_connector',
      message: 'connector "nope" is not in the catalog',
    });
  });

  it('answers 400 invalid_json for a malformed body and 415 for a non-JSON one', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: { ...t.auth, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_json');
    const text = await t.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: { ...t.auth, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('unsupported_media_type');
  });

  it('rejects an empty PATCH and unknown fields in a PATCH', async () => {
    const c = (await create()).json();
    const empty = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/credentials/${c.id}`,
      headers: t.auth,
      payload: {},
    });
    expect(empty.statusCode).toBe(400);
    const status = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/credentials/${c.id}`,
      headers: t.auth,
      payload: { status: 'active' },
    });
    expect(status.statusCode).toBe(400);
    expect(status.json().error.message).toContain('"status"');
  });

  it('answers 401 with no key, a malformed header or a bad key', async () => {
    for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer lk_wrong' }]) {
      const res = await t.app.inject({ url: '/api/v1/credentials', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="latchkey"/);
    }
  });

  it('refuses a revoked or expired key', async () => {
    const expired = await createApiKey(t.ctx.db, {
      workspaceId: t.ctx.defaultWorkspaceId,
      name: 'old',
      role: 'admin',
      expiresAt: Date.now() - 1000,
    });
    const res = await t.app.inject({
      url: '/api/v1/credentials',
      headers: { authorization: `Bearer ${expired.key}` },
    });
    expect(res.statusCode).toBe(401);
  });

  it('scopes everything to the key’s workspace: another workspace’s credential is 404', async () => {
    const mine = (await create()).json();
    await createWorkspace(t.ctx.db, 'ws_other', 'Other');
    const other = await createApiKey(t.ctx.db, { workspaceId: 'ws_other', name: 'o', role: 'admin' });
    const h = { authorization: `Bearer ${other.key}` };
    for (const [method, payload] of [
      ['GET', undefined],
      ['PATCH', { name: 'stolen' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await t.app.inject({ method, url: `/api/v1/credentials/${mine.id}`, headers: h, payload });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    const list = await t.app.inject({ url: '/api/v1/credentials', headers: h });
    expect(list.json().items).toEqual([]);
    const still = await t.app.inject({ url: `/api/v1/credentials/${mine.id}`, headers: t.auth });
    expect(still.json().name).toBe('Shop account');
  });

  it('never stores the client secret in plaintext (raw database bytes)', async () => {
    const c = (await create()).json();
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/credentials/${c.id}`,
      headers: t.auth,
      payload: { clientSecret: `${SECRET}-second` },
    });
    const needle = 'Sup3r-S3cret';
    if (dialect === 'sqlite') {
      const dbFile = t.config.database.kind === 'sqlite' ? t.config.database.path : '';
      const files = [dbFile, `${dbFile}-wal`].filter((f) => fs.existsSync(f));
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(fs.readFileSync(f).includes(Buffer.from(needle))).toBe(false);
    } else {
      const tables = ['credentials', 'audit_events', 'api_keys', 'oauth_states'];
      for (const table of tables) {
        const rows = await sql<{
          j: string;
        }>`select row_to_json(t)::text as j from ${sql.table(table)} t`.execute(t.ctx.db.kysely);
        for (const r of rows.rows) expect(r.j).not.toContain(needle);
      }
    }
    // And nothing in the data folder (master key file, etc.) holds it either.
    for (const f of fs.readdirSync(t.database.dataDir)) {
      const full = path.join(t.database.dataDir, f);
      if (fs.statSync(full).isFile()) expect(fs.readFileSync(full).includes(Buffer.from(needle))).toBe(false);
    }
  });

  it('records creation, edits and deletion in the audit log without secrets', async () => {
    const c = (await create()).json();
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/credentials/${c.id}`,
      headers: t.auth,
      payload: { clientSecret: 'new-secret-value' },
    });
    await t.app.inject({ method: 'DELETE', url: `/api/v1/credentials/${c.id}`, headers: t.auth });
    const audit = await t.app.inject({ url: `/api/v1/audit?credentialId=${c.id}`, headers: t.auth });
    expect(audit.statusCode).toBe(200);
    expect(audit.json().items.map((e: { action: string }) => e.action)).toEqual([
      'credential.deleted',
      'credential.updated',
      'credential.created',
    ]);
    expect(audit.json().items[1].detail).toEqual({ changed: ['clientSecret'] });
    expect(audit.body).not.toContain('new-secret-value');
    expect(audit.body).not.toContain(SECRET);
  });
});

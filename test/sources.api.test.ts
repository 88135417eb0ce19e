/** Sources and destinations over the API: CRUD, validation, workspace scoping, test and preview against the sandbox. */
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createApiKey, createWorkspace } from '../src/auth/index.js';
import type { SandboxServer } from '../src/sandbox/index.js';
import { seedAdvertisements } from '../src/sandbox/advertisements.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';
import { addSandboxConnector, createAndAuthorize, startTestSandbox } from './helpers/sandbox.js';

const COLLECTION = { source: '/api/v1/sources', destination: '/api/v1/destinations' } as const;

describeEachDialect('sources and destinations API', (dialect) => {
  let sandbox: SandboxServer;
  let t: TestApp;
  let credentialId: string;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ advertisements: 30 });
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    t = await createTestApp(dialect);
    addSandboxConnector(t, sandbox.url);
    credentialId = (await createAndAuthorize(t, sandbox.url)).id;
  });
  afterEach(() => t.close());

  const body = (extra: Record<string, unknown> = {}) => ({
    name: 'Shop ads',
    connector: '2ememain-sandbox',
    credentialId,
    resource: 'advertisements',
    ...extra,
  });
  const create = (kind: keyof typeof COLLECTION, payload: Record<string, unknown>, headers = t.auth) =>
    t.app.inject({ method: 'POST', url: COLLECTION[kind], headers, payload });

  for (const kind of ['source', 'destination'] as const) {
    it(`creates, reads, lists newest first with a cursor, edits and deletes a ${kind}; every change audited`, async () => {
      const a = await create(kind, body({ name: 'First', params: { q: 'vélo', tags: ['a', 'b'], n: 2 } }));
      expect(a.statusCode).toBe(201);
      const view = a.json();
      expect(Object.keys(view).sort()).toEqual(
        ['connector', 'createdAt', 'credentialId', 'id', 'name', 'params', 'resource', 'updatedAt'].sort(),
      );
      expect(view.params).toEqual({ q: 'vélo', tags: ['a', 'b'], n: 2 });
      expect(a.headers.location).toBe(`${COLLECTION[kind]}/${view.id}`);
      const b = (await create(kind, body({ name: 'Second' }))).json();
      expect(b.params).toEqual({});

      const page1 = (await t.app.inject({ url: `${COLLECTION[kind]}?limit=1`, headers: t.auth })).json();
      expect(page1.items.map((i: { id: string }) => i.id)).toEqual([b.id]);
      const page2 = (
        await t.app.inject({ url: `${COLLECTION[kind]}?limit=1&cursor=${page1.nextCursor}`, headers: t.auth })
      ).json();
      expect(page2.items.map((i: { id: string }) => i.id)).toEqual([view.id]);
      expect(page2.nextCursor).toBeNull();
      const other = kind === 'source' ? 'destination' : 'source';
      expect((await t.app.inject({ url: COLLECTION[other], headers: t.auth })).json().items).toEqual([]);
      expect(
        (await t.app.inject({ url: `${COLLECTION[other]}/${view.id}`, headers: t.auth })).statusCode,
      ).toBe(404);

      const edited = await t.app.inject({
        method: 'PATCH',
        url: `${COLLECTION[kind]}/${view.id}`,
        headers: t.auth,
        payload: { name: 'Renamed', params: { q: 'lampe' } },
      });
      expect(edited.statusCode).toBe(200);
      expect(edited.json()).toMatchObject({
        name: 'Renamed',
        params: { q: 'lampe' },
        connector: '2ememain-sandbox',
      });

      const cred = (
        await t.app.inject({ url: `/api/v1/credentials/${credentialId}`, headers: t.auth })
      ).json();
      expect(cred.usedBy).toEqual(
        expect.arrayContaining([
          { id: view.id, kind, name: 'Renamed' },
          { id: b.id, kind, name: 'Second' },
        ]),
      );
      const del = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/credentials/${credentialId}`,
        headers: t.auth,
      });
      expect(del.statusCode).toBe(409);
      expect(del.json().error.code).toBe('credential_in_use');

      expect(
        (await t.app.inject({ method: 'DELETE', url: `${COLLECTION[kind]}/${view.id}`, headers: t.auth }))
          .statusCode,
      ).toBe(204);
      expect(
        (await t.app.inject({ url: `${COLLECTION[kind]}/${view.id}`, headers: t.auth })).statusCode,
      ).toBe(404);

      await t.ctx.audit.flush();
      const audit = (
        await t.app.inject({ url: `/api/v1/audit?targetId=${view.id}`, headers: t.auth })
      ).json();
      expect(audit.items.map((e: { action: string }) => e.action).sort()).toEqual(
        [`${kind}.created`, `${kind}.deleted`, `${kind}.updated`].sort(),
      );
    });
  }

  it('refuses an unknown connector, resource or field, bad params, and a credential of another connector', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [body({ connector: 'nope' }), 400, 'unknown_connector'],
      [body({ resource: 'listings' }), 400, 'unknown_resource'],
      [body({ colour: 'red' }), 400, 'validation_failed'],
      [body({ name: '' }), 400, 'validation_failed'],
      [body({ params: { offset: 5 } }), 400, 'validation_failed'],
      [body({ params: { q: { nested: true } } }), 400, 'validation_failed'],
      [
        body({ params: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`p${i}`, 1])) }),
        400,
        'validation_failed',
      ],
      [body({ params: { q: 'x'.repeat(1001) } }), 400, 'validation_failed'],
      [body({ credentialId: 'cred_missing' }), 404, 'not_found'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await create('source', payload);
      expect({ payload, status: res.statusCode, code: res.json().error?.code }).toEqual({
        payload,
        status,
        code,
      });
    }
    const unknown = (await create('source', body({ colour: 'red' }))).json();
    expect(unknown.error.message).toContain('colour');

    // A credential of the real 2ememain connector cannot serve a 2ememain-sandbox source.
    const cred = await t.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: t.auth,
      payload: { connector: '2ememain', name: 'Real', clientId: 'id', clientSecret: 'secret' },
    });
    const mismatch = await create('source', body({ credentialId: cred.json().id }));
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().error.code).toBe('credential_mismatch');
    // PATCH checks the same rules.
    const src = (await create('source', body())).json();
    const patch = (payload: Record<string, unknown>) =>
      t.app.inject({ method: 'PATCH', url: `/api/v1/sources/${src.id}`, headers: t.auth, payload });
    expect((await patch({ credentialId: cred.json().id })).json().error.code).toBe('credential_mismatch');
    expect((await patch({ resource: 'nope' })).json().error.code).toBe('unknown_resource');
    expect((await patch({ connector: '2ememain' })).json().error.code).toBe('validation_failed');
    expect((await patch({})).json().error.code).toBe('validation_failed');
  });

  it('scopes everything to the workspace: another workspace sees 404 and cannot use the credential', async () => {
    const src = (await create('source', body())).json();
    await createWorkspace(t.ctx.db, 'ws_other', 'Other');
    const other = await createApiKey(t.ctx.db, { workspaceId: 'ws_other', name: 'o', role: 'admin' });
    const auth = { authorization: `Bearer ${other.key}` };
    for (const [method, url] of [
      ['GET', `/api/v1/sources/${src.id}`],
      ['PATCH', `/api/v1/sources/${src.id}`],
      ['DELETE', `/api/v1/sources/${src.id}`],
      ['POST', `/api/v1/sources/${src.id}/preview`],
      ['POST', `/api/v1/sources/${src.id}/runs`],
      ['GET', `/api/v1/sources/${src.id}/runs`],
    ] as const) {
      const res = await t.app.inject({
        method,
        url,
        headers: auth,
        payload: method === 'PATCH' ? { name: 'x' } : {},
      });
      expect({ url, method, status: res.statusCode }).toEqual({ url, method, status: 404 });
    }
    expect((await t.app.inject({ url: '/api/v1/sources', headers: auth })).json().items).toEqual([]);
    const res = await create('source', body(), auth);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toContain('credential');
  });

  it('lets a viewer read but not create, preview or run', async () => {
    const src = (await create('source', body())).json();
    const viewer = await createApiKey(t.ctx.db, {
      workspaceId: t.ctx.defaultWorkspaceId,
      name: 'v',
      role: 'viewer',
    });
    const auth = { authorization: `Bearer ${viewer.key}` };
    expect((await t.app.inject({ url: `/api/v1/sources/${src.id}`, headers: auth })).statusCode).toBe(200);
    expect((await create('source', body(), auth)).statusCode).toBe(403);
    for (const path of ['preview', 'runs', 'test']) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/sources/${src.id}/${path}`,
        headers: auth,
        payload: {},
      });
      expect(res.statusCode).toBe(403);
    }
  });

  it('previews the first records of the first page from the sandbox, and tests the connection', async () => {
    const src = (await create('source', body())).json();
    const preview = (n?: number) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/sources/${src.id}/preview`,
        headers: t.auth,
        payload: n === undefined ? {} : { limit: n },
      });
    const ads = seedAdvertisements(30);
    const def = await preview();
    expect(def.statusCode).toBe(200);
    expect(def.json().records.map((r: { itemId: string }) => r.itemId)).toEqual(
      ads.slice(0, 10).map((a) => a.itemId),
    );
    const three = (await preview(3)).json().records;
    expect(three).toHaveLength(3);
    expect(three[0]).toMatchObject({ itemId: ads[0]!.itemId, title: ads[0]!.title });
    expect((await preview(101)).statusCode).toBe(400);
    expect((await preview(0)).statusCode).toBe(400);
    // Nothing is stored by a preview.
    expect(
      (await t.app.inject({ url: `/api/v1/sources/${src.id}/runs`, headers: t.auth })).json().items,
    ).toEqual([]);

    const test = await t.app.inject({
      method: 'POST',
      url: `/api/v1/sources/${src.id}/test`,
      headers: t.auth,
    });
    expect(test.statusCode).toBe(200);
    expect(test.json()).toMatchObject({ ok: true, status: 200 });
  });

  it('answers a clear 409 when the credential is not authorized, and 404 for a destination preview', async () => {
    const cred = await t.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: t.auth,
      payload: { connector: '2ememain-sandbox', name: 'Pending', clientId: 'id', clientSecret: 'secret' },
    });
    const src = (await create('source', body({ credentialId: cred.json().id }))).json();
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/sources/${src.id}/preview`,
      headers: t.auth,
      payload: {},
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('credential_not_active');
    const run = await t.app.inject({
      method: 'POST',
      url: `/api/v1/sources/${src.id}/runs`,
      headers: t.auth,
      payload: {},
    });
    expect(run.statusCode).toBe(409);
    const dst = (await create('destination', body())).json();
    const p = await t.app.inject({
      method: 'POST',
      url: `/api/v1/destinations/${dst.id}/preview`,
      headers: t.auth,
      payload: {},
    });
    expect(p.statusCode).toBe(404);
  });

  it('describes the routes in the OpenAPI document from the same schemas', async () => {
    const doc = (await t.app.inject('/api/openapi.json')).json();
    for (const p of [
      '/api/v1/sources',
      '/api/v1/sources/{id}',
      '/api/v1/sources/{id}/preview',
      '/api/v1/sources/{id}/runs',
      '/api/v1/sources/{id}/runs/{runId}',
      '/api/v1/sources/{id}/runs/{runId}/records',
      '/api/v1/sources/{id}/runs/{runId}/cancel',
      '/api/v1/destinations',
      '/api/v1/destinations/{id}/runs',
      '/api/v1/destinations/{id}/runs/{runId}/results',
    ])
      expect(Object.keys(doc.paths)).toContain(p);
    const schema = doc.paths['/api/v1/sources'].post.requestBody.content['application/json'].schema;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(
      expect.arrayContaining(['name', 'connector', 'credentialId', 'resource']),
    );
    const run =
      doc.paths['/api/v1/sources/{id}/runs'].post.responses['202'].content['application/json'].schema;
    expect(Object.keys(run.properties).sort()).toEqual(
      [
        'durationMs',
        'error',
        'failed',
        'finishedAt',
        'id',
        'kind',
        'pages',
        'records',
        'sourceId',
        'startedAt',
        'status',
        'total',
      ].sort(),
    );
  });
});

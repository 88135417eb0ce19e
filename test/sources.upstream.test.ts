/**
 * Runs against a small local API (a bare node:http server): each pagination type, the `link` guard, retries
 * with `Retry-After`, refresh-and-retry on 401, and answers that are not what a run expects. The credential
 * is authorized at the sandbox; the local API accepts any Bearer token unless a test says otherwise.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { ConnectorInput } from '../src/connectors/index.js';
import { sandboxConnector, type SandboxServer } from '../src/sandbox/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';
import { createAndAuthorize, startTestSandbox } from './helpers/sandbox.js';

interface Seen {
  method: string;
  url: URL;
  auth: string;
  accept: string;
  body: string;
}
interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}
type Handler = (req: Seen, n: number) => Answer;

async function startApi() {
  const seen: Seen[] = [];
  let handler: Handler = () => ({ status: 404, body: { code: 'not-found', message: 'No such resource' } });
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', 'http://127.0.0.1'),
        auth: req.headers.authorization ?? '',
        accept: req.headers.accept ?? '',
        body,
      };
      seen.push(s);
      const a = handler(s, seen.length);
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    handle(h: Handler) {
      handler = h;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
type Api = Awaited<ReturnType<typeof startApi>>;

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ n: i + 1 }));
const ns = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { n: number }).n);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describeEachDialect('runs against a local API', (dialect) => {
  let sandbox: SandboxServer;
  let api: Api;
  let other: Api;
  let t: TestApp;
  let credentialId: string;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
    api = await startApi();
    other = await startApi();
  });
  afterAll(async () => {
    await sandbox.close();
    await api.close();
    await other.close();
  });
  beforeEach(async () => {
    t = await createTestApp(dialect);
    const base = sandboxConnector(sandbox.url);
    t.ctx.catalog.add(
      { ...base, id: 'local-api', name: 'Local API', api: { ...base.api, baseUrl: `${api.url}/api/v1` } },
      'test',
    );
    credentialId = (await createAndAuthorize(t, sandbox.url, { connector: 'local-api' })).id;
    api.seen.length = 0;
    other.seen.length = 0;
    sandbox.sandbox.reset();
  });
  afterEach(() => t.close());

  /** A resource of the local API (set on the connector) and a source reading it; run it to its end. */
  async function run(
    resource: Omit<NonNullable<ConnectorInput['resources']>[number], 'id' | 'methods'>,
    params = {},
  ) {
    const base = sandboxConnector(sandbox.url);
    t.ctx.catalog.add(
      {
        ...base,
        id: 'local-api',
        name: 'Local API',
        api: { ...base.api, baseUrl: `${api.url}/api/v1` },
        resources: [{ id: 'items', methods: ['GET', 'POST'], ...resource }],
      },
      'test',
    );
    const src = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: t.auth,
      payload: { name: 'Items', connector: 'local-api', credentialId, resource: 'items', params },
    });
    expect(src.statusCode).toBe(201);
    const id = src.json().id as string;
    const started = await t.app.inject({
      method: 'POST',
      url: `/api/v1/sources/${id}/runs`,
      headers: t.auth,
      payload: {},
    });
    const runId = started.json().id as string;
    for (let i = 0; i < 400; i++) {
      const v = (await t.app.inject({ url: `/api/v1/sources/${id}/runs/${runId}`, headers: t.auth })).json();
      if (['succeeded', 'failed', 'cancelled'].includes(v.status)) {
        const file = await t.app.inject({
          url: `/api/v1/sources/${id}/runs/${runId}/records`,
          headers: t.auth,
        });
        return { view: v, records: ns(file.body) };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('run did not finish');
  }

  it('offset: advances by the page size until a short page, with the params and headers on every request', async () => {
    api.handle((req) => {
      const offset = Number(req.url.searchParams.get('start'));
      const size = Number(req.url.searchParams.get('count'));
      return { body: { rows: items(23).slice(offset, offset + size) } };
    });
    const { view, records } = await run(
      {
        path: '/items',
        recordsPath: 'rows',
        pagination: { type: 'offset', offsetParam: 'start', limitParam: 'count', limit: 5 },
      },
      { q: 'vélo', tag: ['a', 'b'] },
    );
    expect(view).toMatchObject({ status: 'succeeded', records: 23, pages: 5, total: null });
    expect(records).toEqual(range(1, 23));
    expect(api.seen.map((s) => s.url.search)).toEqual(
      [0, 5, 10, 15, 20].map((o) => `?q=v%C3%A9lo&tag=a&tag=b&start=${o}&count=5`),
    );
    expect(new Set(api.seen.map((s) => s.auth.startsWith('Bearer ') && s.auth.length > 20))).toEqual(
      new Set([true]),
    );
    expect(api.seen.every((s) => s.accept === 'application/hal+json, application/json')).toBe(true);
  });

  it('offset: stops at the announced total, or at an empty page when there is none', async () => {
    api.handle((req) => {
      const offset = Number(req.url.searchParams.get('offset'));
      return {
        body: {
          items: items(20).slice(offset, offset + 5),
          ...(req.url.searchParams.has('q') ? { totalCount: 20 } : {}),
        },
      };
    });
    const pagination = { type: 'offset' as const, offsetParam: 'offset', limitParam: 'limit', limit: 5 };
    const withTotal = await run({ path: '/items', recordsPath: 'items', pagination }, { q: 1 });
    expect(withTotal.view).toMatchObject({ status: 'succeeded', records: 20, pages: 4, total: 20 });
    expect(api.seen).toHaveLength(4);
    api.seen.length = 0;
    const without = await run({ path: '/items', recordsPath: 'items', pagination });
    expect(without.view).toMatchObject({ status: 'succeeded', records: 20, pages: 5, total: null });
    expect(without.records).toEqual(range(1, 20));
  });

  it('page: counts pages from `start` with a page size, and without one stops at an empty page', async () => {
    api.handle((req) => {
      const p = Number(req.url.searchParams.get('p'));
      const size = Number(req.url.searchParams.get('size') ?? 4);
      return { body: { data: { list: items(10).slice((p - 1) * size, p * size) } } };
    });
    const sized = await run({
      path: '/items',
      recordsPath: 'data.list',
      pagination: { type: 'page', param: 'p', start: 1, sizeParam: 'size', size: 4 },
    });
    expect(sized.view).toMatchObject({ status: 'succeeded', records: 10, pages: 3 });
    expect(sized.records).toEqual(range(1, 10));
    expect(api.seen.map((s) => s.url.search)).toEqual(['?p=1&size=4', '?p=2&size=4', '?p=3&size=4']);
    api.seen.length = 0;
    const unsized = await run({
      path: '/items',
      recordsPath: 'data.list',
      pagination: { type: 'page', param: 'p', start: 1 },
    });
    expect(unsized.view).toMatchObject({ status: 'succeeded', records: 10, pages: 4 });
    expect(api.seen.map((s) => s.url.searchParams.get('p'))).toEqual(['1', '2', '3', '4']);
  });

  it('link: follows relative and absolute next links on the API', async () => {
    api.handle((req) => {
      const c = Number(req.url.searchParams.get('cursor') ?? 0);
      const next = c === 0 ? 'items?cursor=3' : c === 3 ? `${api.url}/api/v1/items?cursor=6` : null;
      return {
        body: { _embedded: { rows: items(7).slice(c, c + 3) }, _links: next ? { next: { href: next } } : {} },
      };
    });
    const { view, records } = await run({
      path: '/items',
      recordsPath: '_embedded.rows',
      pagination: { type: 'link', nextPath: '_links.next.href' },
    });
    expect(view).toMatchObject({ status: 'succeeded', records: 7, pages: 3 });
    expect(records).toEqual(range(1, 7));
    expect(api.seen.map((s) => s.url.pathname + s.url.search)).toEqual([
      '/api/v1/items',
      '/api/v1/items?cursor=3',
      '/api/v1/items?cursor=6',
    ]);
  });

  for (const [what, next] of [
    ['another origin', () => `${other.url}/api/v1/items?page=2`],
    ['another path on the same origin', () => `${api.url}/admin/export?page=2`],
    ['a look-alike prefix', () => `${api.url}/api/v1-internal/items`],
    ['a dot-segment escape', () => `${api.url}/api/v1/../../admin`],
  ] as const) {
    it(`link: refuses a next link to ${what}, failing the run without calling it`, async () => {
      api.handle(() => ({ body: { rows: items(2), next: next() } }));
      const { view, records } = await run({
        path: '/items',
        recordsPath: 'rows',
        pagination: { type: 'link', nextPath: 'next' },
      });
      expect(view.status).toBe('failed');
      expect(view.error.code).toBe('link_outside_api');
      expect(view.error.message).toContain('outside the connector');
      expect(records).toEqual([1, 2]);
      expect(api.seen).toHaveLength(1);
      expect(other.seen).toHaveLength(0);
    });
  }

  it('link: a link back to a page already read is a loop, not an endless run', async () => {
    api.handle((req) => ({
      body: { rows: items(1), next: req.url.search ? '/api/v1/items' : '/api/v1/items?x=1' },
    }));
    const { view } = await run({
      path: '/items',
      recordsPath: 'rows',
      pagination: { type: 'link', nextPath: 'next' },
    });
    expect(view).toMatchObject({ status: 'failed', pages: 2, error: { code: 'pagination_loop' } });
  });

  it('retries 429 and 5xx honouring Retry-After, then goes on', async () => {
    api.handle((req, n) => {
      if (n === 2)
        return {
          status: 503,
          headers: { 'retry-after': '1' },
          body: { code: 'unavailable', message: 'busy' },
        };
      if (n === 3) return { status: 429, headers: { 'retry-after': '0' } };
      const offset = Number(req.url.searchParams.get('offset'));
      return { body: { rows: items(8).slice(offset, offset + 3) } };
    });
    const started = Date.now();
    const { view, records } = await run({
      path: '/items',
      recordsPath: 'rows',
      pagination: { type: 'offset', offsetParam: 'offset', limitParam: 'limit', limit: 3 },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(view).toMatchObject({ status: 'succeeded', records: 8, pages: 3 });
    expect(records).toEqual(range(1, 8));
    expect(api.seen.map((s) => s.url.searchParams.get('offset'))).toEqual(['0', '3', '3', '3', '6']);
  });

  it('gives up after the bounded attempts with the status and a short message (no token in it)', async () => {
    api.handle((req) => ({
      status: 503,
      headers: { 'retry-after': '0' },
      body: { code: 'maintenance', message: `down for maintenance (${req.auth})`, logref: 'x' },
    }));
    const { view } = await run({ path: '/items', recordsPath: 'rows' });
    expect(view.status).toBe('failed');
    expect(view.error.code).toBe('upstream_error');
    expect(view.error.message).toContain('HTTP 503 maintenance: down for maintenance');
    expect(view.error.message).toContain('[REDACTED]');
    expect(view.error.message).not.toContain(api.seen[0]!.auth.slice(7));
    expect(api.seen).toHaveLength(5);
  });

  it('on a 401 refreshes the token once and retries the page; a second 401 fails the run', async () => {
    let refused = '';
    api.handle((req) => {
      if (!refused) refused = req.auth;
      if (req.auth === refused)
        return { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } };
      return { body: { rows: items(2) } };
    });
    const ok = await run({ path: '/items', recordsPath: 'rows' });
    expect(ok.view).toMatchObject({ status: 'succeeded', records: 2 });
    expect(sandbox.sandbox.stats().refreshes).toBe(1);
    expect(api.seen.map((s) => s.auth === refused)).toEqual([true, false]);

    api.seen.length = 0;
    api.handle(() => ({ status: 401, body: { code: 'unauthorized', message: 'no' } }));
    const bad = await run({ path: '/items', recordsPath: 'rows' });
    expect(bad.view.status).toBe('failed');
    expect(bad.view.error.code).toBe('upstream_unauthorized');
    expect(api.seen).toHaveLength(2);
    expect(sandbox.sandbox.stats().refreshes).toBe(2);
  });

  it('fails clearly on an answer that is not JSON, a missing list, or a redirect (not followed)', async () => {
    api.handle(() => ({ body: '<html>oops</html>' }));
    expect((await run({ path: '/items', recordsPath: 'rows' })).view.error.code).toBe('invalid_response');
    api.handle(() => ({ body: { rows: { not: 'a list' } } }));
    const missing = await run({ path: '/items', recordsPath: 'rows' });
    expect(missing.view.error).toEqual({
      code: 'invalid_response',
      message: 'page 1: the response has no list of records at "rows"',
    });
    api.handle(() => ({ status: 302, headers: { location: `${other.url}/steal` } }));
    expect((await run({ path: '/items', recordsPath: 'rows' })).view.error.code).toBe('upstream_redirect');
    expect(other.seen).toHaveLength(0);
  });

  it('a destination run retries a 429 with Retry-After and posts every record once', async () => {
    api.handle((req, n): Answer => {
      if (n === 1)
        return {
          status: 429,
          headers: { 'retry-after': '1' },
          body: { code: 'too-many-requests', message: 'slow down' },
        };
      return {
        status: 201,
        headers: { location: `${api.url}/api/v1/items/${JSON.parse(req.body).n}` },
        body: {},
      };
    });
    const base = sandboxConnector(sandbox.url);
    t.ctx.catalog.add(
      {
        ...base,
        id: 'local-api',
        name: 'Local API',
        api: { ...base.api, baseUrl: `${api.url}/api/v1` },
        resources: [{ id: 'items', path: '/items', methods: ['POST'] }],
      },
      'test',
    );
    const dst = await t.app.inject({
      method: 'POST',
      url: '/api/v1/destinations',
      headers: t.auth,
      payload: { name: 'Out', connector: 'local-api', credentialId, resource: 'items' },
    });
    const id = dst.json().id;
    // More than the app's 1 MB JSON limit: JSON Lines have their own.
    const lines = items(600).map((r) => JSON.stringify({ ...r, pad: 'x'.repeat(2000) }));
    const started = Date.now();
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/destinations/${id}/runs`,
      headers: { ...t.auth, 'content-type': 'application/x-ndjson' },
      payload: lines.join('\n') + '\n',
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ kind: 'destination', total: 600 });
    let v;
    for (;;) {
      v = (
        await t.app.inject({ url: `/api/v1/destinations/${id}/runs/${res.json().id}`, headers: t.auth })
      ).json();
      if (v.status !== 'queued' && v.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(v).toMatchObject({ status: 'succeeded', records: 600, failed: 0, total: 600 });
    expect(api.seen.filter((s) => s.method === 'POST')).toHaveLength(601);
    const posted = api.seen.slice(1).map((s) => JSON.parse(s.body).n as number);
    expect(posted.sort((a, b) => a - b)).toEqual(range(1, 600));
    const results = await t.app.inject({
      url: `/api/v1/destinations/${id}/runs/${res.json().id}/results`,
      headers: t.auth,
    });
    const first = results.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((r) => r.line === 1);
    expect(first).toEqual({ line: 1, ok: true, status: 201, location: `${api.url}/api/v1/items/1` });
  });
});

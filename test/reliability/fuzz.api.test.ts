/**
 * Every API route, found in the route table as the app is built (so a new route is covered without
 * touching this file), gets generated hostile input: wrong types, over-long and broken unicode, NUL and
 * control characters, injection strings, prototype-pollution keys, duplicated query parameters, bad JSON,
 * wrong content types, over-sized bodies, junk and real ids. Each answer is a 4xx with an error of the
 * list (`{"error":{"code","message"}}`, JSON), never a 500; and a refused request never changes a
 * credential (every column compared, sealed ones and token_version included).
 *
 * Seeded: LATCHKEY_FUZZ_SEED replays a run (the seed is printed). LATCHKEY_FUZZ_RUNS scales the runs.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { describeEachDialect } from '../helpers/databases.js';
import { addSandboxConnector, createAndAuthorize, startTestSandbox } from '../helpers/sandbox.js';
import {
  assertProperty,
  BAD_JSON,
  captureRoutes,
  encodeLoosely,
  expectErrorBody,
  fuzzSeed,
  hostileJson,
  hostileString,
  JUNK_IDS,
  JUNK_QUERY_VALUES,
  snapshotCredentials,
  WRONG_CONTENT_TYPES,
  type CapturedRoute,
} from './support.js';

const RUNS_PER_ROUTE = Math.max(1, Math.round(20 * Number(process.env.LATCHKEY_FUZZ_RUNS ?? 1)));
const CALLBACK_RUNS = Math.max(1, Math.round(120 * Number(process.env.LATCHKEY_FUZZ_RUNS ?? 1)));

type Schema = { safeParse(v: unknown): { success: boolean } };

/** The field names a zod schema describes (through unions, intersections, wrappers). */
function fieldsOf(schema: unknown): string[] {
  if (!schema) return [];
  let json: unknown;
  try {
    json = z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' });
  } catch {
    return [];
  }
  const out = new Set<string>();
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.properties && typeof n.properties === 'object')
      for (const k of Object.keys(n.properties)) out.add(k);
    for (const key of ['anyOf', 'oneOf', 'allOf'])
      if (Array.isArray(n[key])) for (const sub of n[key] as unknown[]) walk(sub);
  };
  walk(json);
  return [...out];
}

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** Whether the body is bad at the content level (not JSON, wrong type, too big): the handler never runs. */
  unreadable: boolean;
}

describeEachDialect('fuzzing every JSON route', (dialect) => {
  let t: TestApp;
  let sandbox: SandboxServer;
  let routes: CapturedRoute[] = [];
  const ids: Record<string, string[]> = {};
  let seed = 0;

  beforeAll(async () => {
    seed = fuzzSeed(`api ${dialect}`);
    sandbox = await startTestSandbox({ advertisements: 30 });
    const capture = captureRoutes();
    try {
      t = await createTestApp(dialect, { LATCHKEY_PROVIDER_TIMEOUT_MS: '2000' });
    } finally {
      capture.stop();
    }
    routes = capture.routes;
    addSandboxConnector(t, sandbox.url);
    // Real resources, so that junk input also meets ids that exist.
    const active = (await createAndAuthorize(t, sandbox.url)).id;
    const pending = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/credentials',
        headers: t.auth,
        payload: { connector: '2ememain-sandbox', name: 'pending', clientId: 'c', clientSecret: 's' },
      })
    ).json().id as string;
    const make = async (url: string, payload: object) => {
      const res = await t.app.inject({ method: 'POST', url, headers: t.auth, payload });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json().id as string;
    };
    const data = { connector: '2ememain-sandbox', credentialId: active, resource: 'advertisements' };
    const source = await make('/api/v1/sources', { name: 'ads', ...data });
    const destination = await make('/api/v1/destinations', { name: 'ads out', ...data });
    const run = await make(`/api/v1/sources/${source}/runs`, {});
    const webhook = await make('/api/v1/webhooks', {
      url: 'http://127.0.0.1:9/hook',
      events: ['credential.refreshed'],
    });
    Object.assign(ids, {
      credentials: [active, pending],
      sources: [source],
      destinations: [destination],
      runs: [run],
      webhooks: [webhook],
      connectors: ['2ememain', '2ememain-sandbox'],
      workspaces: [t.ctx.defaultWorkspaceId],
    });
    // Let the source run finish, so its records route has something to serve.
    for (let i = 0; i < 100; i++) {
      const r = await t.app.inject({ url: `/api/v1/sources/${source}/runs/${run}`, headers: t.auth });
      if (['succeeded', 'failed'].includes(r.json().status)) break;
      await new Promise((res) => setTimeout(res, 50));
    }
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  const apiRoutes = () =>
    routes.filter(
      (r) =>
        (r.url.startsWith('/api/') || r.url === '/healthz' || r.url === '/readyz') &&
        // HEAD is Fastify's automatic twin of each GET; OPTIONS exists on the proxy only.
        r.method !== 'OPTIONS' &&
        r.method !== 'HEAD',
    );

  /** Real ids for a route's parameter: those of the collection it names, and those of every other kind. */
  function realIds(route: CapturedRoute, param: string): { own: string[]; others: string[] } {
    const collection =
      param === 'runId'
        ? 'runs'
        : param === 'credentialId'
          ? 'credentials'
          : (/^\/api\/v1\/([a-z-]+)/.exec(route.url)?.[1] ?? '');
    const own = ids[collection] ?? [];
    const others = Object.values(ids)
      .flat()
      .filter((id) => !own.includes(id));
    return { own: own.length ? own : others, others };
  }

  /** A request that any well-formed body, or none, might make do something (DELETE, …/revoke, …/runs). */
  function acceptsEmpty(route: CapturedRoute): boolean {
    if (route.method === 'GET' || route.method === 'HEAD') return false;
    const body = route.schema?.body as Schema | undefined;
    if (!body || typeof body.safeParse !== 'function') return true;
    return body.safeParse(undefined).success || body.safeParse({}).success;
  }

  function requestFor(route: CapturedRoute): fc.Arbitrary<FuzzRequest> {
    const params = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
    const mayChange = acceptsEmpty(route);
    const paramArb = (name: string, realAllowed: boolean) => {
      const { own, others } = realIds(route, name);
      return fc.oneof(
        // Without a readable body on a route that acts, only ids of other kinds: a 404, never an action.
        { weight: 3, arbitrary: fc.constantFrom(...(realAllowed ? own : others)) },
        { weight: 2, arbitrary: fc.constantFrom(...JUNK_IDS) },
        { weight: 1, arbitrary: hostileString.map(encodeLoosely) },
      );
    };
    const wildcard = fc.oneof(
      fc.constantFrom(
        'me',
        'advertisements',
        '..%2f..%2fhealthz',
        '%2e%2e/%2e%2e/x',
        '../../oauth/token',
        '%00',
      ),
      hostileString.map(encodeLoosely),
    );
    const queryFields = fieldsOf(route.schema?.querystring);
    const queryPair = fc.tuple(
      fc.oneof(
        {
          weight: queryFields.length ? 4 : 0,
          arbitrary: fc.constantFrom(...(queryFields.length ? queryFields : ['x'])),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom('__proto__', 'constructor', '__proto__[x]', 'a[b]', 'limit[]'),
        },
        { weight: 1, arbitrary: hostileString.map(encodeLoosely) },
      ),
      fc.oneof(
        hostileString.map(encodeLoosely),
        fc.constantFrom(...JUNK_QUERY_VALUES),
        fc.constantFrom('1', '0', '-1', '201', '1e3', 'true', 'active', '2ememain'),
      ),
    );
    // Duplicated names happen often: the same field picked twice.
    const query = fc
      .array(queryPair, { maxLength: 5 })
      .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));
    const hasBody = !['GET', 'HEAD'].includes(route.method);
    const bodyFields = fieldsOf(route.schema?.body);
    const body: fc.Arbitrary<{ payload?: string; type?: string; unreadable: boolean }> = hasBody
      ? fc.oneof(
          {
            weight: mayChange ? 0 : 6,
            arbitrary: hostileJson(bodyFields).map((payload) => ({
              payload,
              type: 'application/json',
              unreadable: false,
            })),
          },
          {
            weight: 2,
            arbitrary: fc
              .tuple(
                fc.constantFrom(...BAD_JSON),
                fc.constantFrom('application/json', 'application/json; charset=utf-8'),
              )
              .map(([payload, type]) => ({ payload, type, unreadable: true })),
          },
          {
            weight: 2,
            arbitrary: fc
              .tuple(hostileJson(bodyFields), fc.constantFrom(...WRONG_CONTENT_TYPES))
              .map(([payload, type]) => ({ payload, type, unreadable: true })),
          },
          {
            weight: 1,
            arbitrary: fc.constantFrom(
              {
                payload: `{"name":"${'a'.repeat(1024 * 1024 + 10)}"}`,
                type: 'application/json',
                unreadable: true,
              },
              { payload: '', type: 'application/json', unreadable: true },
            ),
          },
        )
      : fc.constant({ unreadable: false });
    const auth = fc.oneof(
      { weight: 8, arbitrary: fc.constant(t.auth.authorization) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '',
          'Bearer',
          'Bearer ',
          `Bearer ${t.apiKey}x`,
          "Bearer '; drop table api_keys; --",
          `Basic ${Buffer.from('a:b').toString('base64')}`,
          `Bearer ${'k'.repeat(9000)}`,
          `bearer ${t.apiKey.toUpperCase()}`,
        ),
      },
    );
    return fc
      .record({
        params: fc.tuple(...params.map((p) => paramArb(p, !mayChange))),
        realParams: fc.tuple(...params.map((p) => paramArb(p, true))),
        wildcard,
        query,
        body,
        auth,
        accept: fc.constantFrom(undefined, 'application/json', '*/*', 'text/html', 'application/xml'),
      })
      .map((g) => {
        // Real ids of the route's own kind go with unreadable bodies only, on routes where a well-formed
        // request would act (a DELETE, a refresh): bad content must stop it before the handler.
        const values = mayChange && g.body.unreadable ? g.realParams : g.params;
        let i = 0;
        let url = route.url.replace(/:([A-Za-z]+)/g, () => values[i++] as string);
        url = url.replace('*', g.wildcard) + g.query;
        const headers: Record<string, string> = {};
        if (g.auth) headers.authorization = g.auth;
        if (g.accept) headers.accept = g.accept;
        if (g.body.type) headers['content-type'] = g.body.type;
        return { method: route.method, url, headers, payload: g.body.payload, unreadable: g.body.unreadable };
      });
  }

  it('answers generated bad input on every route with a listed 4xx error and changes no credential', async () => {
    const list = apiRoutes();
    // The route table really was captured (and includes the groups of DESIGN §5).
    const urls = new Set(list.map((r) => r.url));
    for (const u of [
      '/api/v1/credentials',
      '/api/v1/credentials/:id/token',
      '/api/v1/sources',
      '/api/v1/webhooks',
    ])
      expect(urls).toContain(u);
    const tally = { requests: 0, accepted: 0, limited: 0 };
    for (const route of list) {
      const where = `${route.method} ${route.url}`;
      const refusedBefore = tally.requests - tally.accepted;
      await assertProperty(
        fc.asyncProperty(requestFor(route), async (req) => {
          const before = await snapshotCredentials(t.ctx.db);
          const res = await t.app.inject({
            method: req.method as 'GET',
            url: req.url,
            headers: req.headers,
            ...(req.payload !== undefined ? { payload: req.payload } : {}),
          });
          tally.requests++;
          if (res.statusCode === 429) tally.limited++;
          const label = `${where} → ${req.method} ${req.url.slice(0, 200)} [${res.statusCode}]`;
          // A proxied call with the active credential reached the upstream API: its answer is the upstream's.
          const forwarded =
            route.url.startsWith('/api/v1/proxy/') &&
            req.url.startsWith(`/api/v1/proxy/${ids.credentials![0]}/`);
          expect(res.statusCode, `${label}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
          if (res.statusCode >= 400) {
            const ours = !forwarded || /^\{"error":\{"code"/.test(res.body);
            if (req.method !== 'HEAD' && ours) expectErrorBody(res, label);
            expect(
              await snapshotCredentials(t.ctx.db),
              `${label}: a refused request changed a credential`,
            ).toBe(before);
          } else {
            // Accepted: the generator happened on valid input (or a proxied call the upstream answered).
            if (!forwarded) {
              expect(req.unreadable, `${label}: unreadable body accepted`).toBe(false);
              tally.accepted++;
            }
          }
        }),
        { seed, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
      // Where there is input to get wrong, the generator did get it wrong.
      const validated = route.schema?.body || route.schema?.querystring || route.url.includes(':');
      if (validated)
        expect(tally.requests - tally.accepted, `${where}: nothing refused`).toBeGreaterThan(refusedBefore);
    }
    console.log(
      `[api ${dialect}] ${list.length} routes, ${tally.requests} requests, ${tally.accepted} accepted as valid`,
    );
    // The per-caller rate limit did not turn the fuzz into a stream of 429s.
    expect(tally.limited).toBeLessThan(tally.requests / 20);
  }, 120_000);

  it('regressions found by the fuzz: each answered with a listed 4xx, nothing changed', async () => {
    const [active] = ids.credentials as [string];
    const startState = async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/credentials/${active}/authorize`,
        headers: t.auth,
        payload: {},
      });
      return new URL(res.json().authorizationUrl).searchParams.get('state')!;
    };
    const iss = encodeURIComponent(sandbox.url);
    const cases: { name: string; url: string; status: number; headers?: Record<string, string> }[] = [
      // Fastify refused these before routing, in its own body shape.
      {
        name: 'malformed percent-encoding in a path parameter',
        url: '/api/v1/connectors/%ff%fe',
        status: 400,
      },
      { name: 'an over-long path parameter', url: `/api/v1/credentials/${'a'.repeat(5000)}`, status: 400 },
      // PostgreSQL refuses NUL in text: these were 500s there.
      { name: 'NUL in the proxy credential id', url: '/api/v1/proxy/a%00b/me', status: 400 },
      { name: 'NUL in an audit filter', url: '/api/v1/audit?credentialId=%00&actorId=a%00b', status: 400 },
    ];
    for (const c of cases) {
      const before = await snapshotCredentials(t.ctx.db);
      const res = await t.app.inject({ url: c.url, headers: { ...t.auth, ...c.headers } });
      expect(res.statusCode, `${c.name}: ${res.body}`).toBe(c.status);
      expectErrorBody(res, c.name);
      expect(await snapshotCredentials(t.ctx.db), c.name).toBe(before);
    }
    // NUL in the provider's error_description on the callback: was a 500 on PostgreSQL, with the state
    // consumed and nothing recorded. Now the failure is recorded, cleaned.
    const res = await t.app.inject({
      url: `/oauth/callback?state=${await startState()}&error=access_denied&error_description=no%00way&iss=${iss}`,
      headers: { accept: 'application/json' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      result: 'denied',
      error: { code: 'access_denied', message: 'no way' },
    });
    const view = (await t.app.inject({ url: `/api/v1/credentials/${active}`, headers: t.auth })).json();
    expect(view.status).toBe('active');
    expect(view.lastError).toMatchObject({ code: 'access_denied', message: 'no way' });
  });

  it('answers a hostile OAuth callback with a refusal or a failed outcome, never new tokens or a 500', async () => {
    const [active, pending] = ids.credentials as [string, string];
    // Fresh, real states (each single use) mixed with junk ones.
    const startState = async (credentialId: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/credentials/${credentialId}/authorize`,
        headers: t.auth,
        payload: {},
      });
      return new URL(res.json().authorizationUrl).searchParams.get('state')!;
    };
    const used = await startState(active);
    await t.app.inject({
      url: `/oauth/callback?state=${used}&error=access_denied`,
      headers: { accept: 'application/json' },
    });
    const value = fc.oneof(hostileString.map(encodeLoosely), fc.constantFrom(...JUNK_QUERY_VALUES));
    const param = fc.constantFrom(
      'state',
      'code',
      'error',
      'error_description',
      'error_uri',
      'iss',
      '__proto__',
      'x',
    );
    const arb = fc.record({
      stateKind: fc.constantFrom('fresh-active', 'fresh-pending', 'used', 'junk', 'none', 'twice'),
      // The sandbox connector declares its issuer (RFC 9207): mostly the right `iss`, to get past that check.
      iss: fc.constantFrom('right', 'right', 'right', 'wrong', 'none'),
      description: fc.option(value, { nil: undefined }),
      pairs: fc.array(fc.tuple(param, value), { maxLength: 5 }),
      error: fc.option(fc.oneof(fc.constantFrom('access_denied', 'server_error', 'invalid_scope'), value), {
        nil: undefined,
      }),
      accept: fc.constantFrom('application/json', 'text/html', undefined),
    });
    await assertProperty(
      fc.asyncProperty(arb, async (g) => {
        const pairs: [string, string][] = [];
        if (g.stateKind === 'fresh-active' || g.stateKind === 'twice')
          pairs.push(['state', await startState(active)]);
        if (g.stateKind === 'fresh-pending') pairs.push(['state', await startState(pending)]);
        if (g.stateKind === 'used') pairs.push(['state', used]);
        if (g.stateKind === 'twice') pairs.push(['state', used]);
        if (g.stateKind === 'junk') pairs.push(['state', 'junk-state']);
        if (g.error) pairs.push(['error', g.error]);
        if (g.description !== undefined) pairs.push(['error_description', g.description]);
        if (g.iss === 'right') pairs.push(['iss', encodeURIComponent(sandbox.url)]);
        if (g.iss === 'wrong') pairs.push(['iss', encodeURIComponent('https://evil.example')]);
        pairs.push(
          ...g.pairs.filter(
            ([k]) => (k !== 'state' || g.stateKind === 'junk' || g.stateKind === 'none') && k !== 'iss',
          ),
        );
        if (!pairs.some(([k]) => k === 'code' || k === 'error')) pairs.push(['code', 'junk-code']);
        // A failed authorization may record lastError (DESIGN §4); tokens, status and the rest stay.
        const ignore = ['last_error_code', 'last_error_message', 'last_error_at', 'updated_at'];
        const before = await snapshotCredentials(t.ctx.db, ignore);
        const url = `/oauth/callback?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`;
        const res = await t.app.inject({ url, headers: g.accept ? { accept: g.accept } : {} });
        const label = `GET ${url.slice(0, 300)} [${res.statusCode}]`;
        expect(res.statusCode, `${label}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
        if (g.accept === 'application/json') {
          if (res.statusCode >= 400) expectErrorBody(res, label);
          else {
            expect(res.statusCode, label).toBe(200);
            const body = res.json();
            expect(['error', 'denied'], `${label}: ${res.body}`).toContain(body.result);
            expect(body.error.code, label).toEqual(expect.any(String));
          }
        } else if (res.statusCode >= 400) {
          expect(String(res.headers['content-type']), label).toMatch(/^text\/html/);
        }
        expect(await snapshotCredentials(t.ctx.db, ignore), `${label}: tokens or status changed`).toBe(
          before,
        );
        const rows = await t.ctx.db.kysely.selectFrom('credentials').select(['id', 'status']).execute();
        expect(rows.find((r) => r.id === active)?.status).toBe('active');
        expect(rows.find((r) => r.id === pending)?.status).toBe('pending_authorization');
      }),
      { seed, numRuns: CALLBACK_RUNS, endOnFailure: true },
    );
    // The real credential still works.
    const token = await t.app.inject({ url: `/api/v1/credentials/${active}/token`, headers: t.auth });
    expect(token.statusCode).toBe(200);
  }, 60_000);
});

/**
 * The permission matrix: every route of the app (taken from the route table as it is built, so that a new
 * route without a row here fails) × every caller (API keys and signed-in users of each role, no
 * credentials, an unknown key) × a resource of the caller's own workspace and of another one. Each call's
 * status class is checked against the row; another workspace's resources always answer 404, never 403.
 * The viewers' (and anonymous callers') responses are then searched for every secret in the world.
 */
import type { LightMyRequestResponse, RouteOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Role } from '../src/auth/index.js';
import type { SandboxServer } from '../src/sandbox/index.js';
import { UI_ROUTES } from '../src/web/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';
import { startTestSandbox } from './helpers/sandbox.js';
import { buildWorld, exposed, OTHER_WS, PASSWORD, type Caller, type Side, type World } from './auth.world.js';

const ALL: Role[] = ['admin', 'editor', 'viewer'];
const WRITERS: Role[] = ['admin', 'editor'];
const ADMINS: Role[] = ['admin'];

interface Req {
  url: string;
  body?: unknown;
}

interface Row {
  /** Who may: `public` (Latchkey's authentication never refuses), or the roles that may. */
  access: 'public' | readonly Role[];
  /** API keys are refused (403) even with the role: the route needs a signed-in user. */
  sessionOnly?: true;
  /**
   * How another workspace answers: `resource` — the call names one of its resources: 404 to whoever could
   * use the route; `workspace` — the path names the workspace itself: 404 to every signed-in caller.
   * Omitted: the route names nothing of a workspace (lists, creation); there is no "other" call.
   */
  scope?: 'resource' | 'workspace';
  /** A session caller uses a new session of its user (the call ends it). */
  freshSession?: true;
  /** What counts as success for a caller that may (default: 2xx). */
  ok?: (res: LightMyRequestResponse) => boolean;
  req?: (w: World, s: Side) => Req | Promise<Req>;
}

/** An error in Latchkey's own shape (as opposed to an upstream answer passed through the proxy). */
function latchkeyError(res: LightMyRequestResponse): string | null {
  try {
    const body = JSON.parse(res.body) as { error?: { code?: unknown } };
    return body && typeof body.error === 'object' && typeof body.error?.code === 'string'
      ? body.error.code
      : null;
  } catch {
    return null;
  }
}

/** Through the proxy, the upstream's own answer (whatever its status) means Latchkey let the call through. */
const reachedUpstream = (res: LightMyRequestResponse) => res.statusCode < 500 && latchkeyError(res) === null;

const ROWS: Record<string, Row> = {
  'GET /healthz': { access: 'public' },
  'GET /readyz': { access: 'public' },
  'GET /metrics': { access: 'public' },
  'GET /api/openapi.json': { access: 'public' },
  'GET /oauth/callback': { access: 'public' },
  'GET /.well-known/oauth-authorization-server/sandbox/2ememain': { access: 'public' },
  'GET /assets/*': { access: 'public' },

  // Session and setup.
  'GET /api/v1/setup': { access: 'public' },
  'POST /api/v1/setup': {
    access: 'public',
    req: () => ({ url: '/api/v1/setup', body: { email: 'x@example.com', password: PASSWORD } }),
  },
  'POST /api/v1/session': {
    access: 'public',
    ok: (res) => res.statusCode === 200,
    req: (w) => ({ url: '/api/v1/session', body: { email: w.signInEmail, password: PASSWORD } }),
  },
  'GET /api/v1/session': { access: ALL },
  'DELETE /api/v1/session': { access: 'public', freshSession: true },
  'POST /api/v1/session/password': {
    access: ALL,
    sessionOnly: true,
    req: () => ({
      url: '/api/v1/session/password',
      body: { currentPassword: PASSWORD, newPassword: PASSWORD },
    }),
  },
  'POST /api/v1/session/workspace': {
    access: ALL,
    sessionOnly: true,
    scope: 'resource',
    req: (_w, s) => ({ url: '/api/v1/session/workspace', body: { workspaceId: s.ws } }),
  },

  // Members of the caller's workspace.
  'GET /api/v1/users': { access: ADMINS },
  'POST /api/v1/users': {
    access: ADMINS,
    req: () => ({
      url: '/api/v1/users',
      body: {
        email: `new-${Math.random().toString(36).slice(2)}@example.com`,
        password: PASSWORD,
        role: 'viewer',
      },
    }),
  },
  'GET /api/v1/users/:id': {
    access: ADMINS,
    scope: 'resource',
    req: (_w, s) => ({ url: `/api/v1/users/${s.member}` }),
  },
  'PATCH /api/v1/users/:id': {
    access: ADMINS,
    scope: 'resource',
    req: (_w, s) => ({ url: `/api/v1/users/${s.member}`, body: { role: 'viewer' } }),
  },
  'DELETE /api/v1/users/:id': {
    access: ADMINS,
    scope: 'resource',
    req: async (w, s) => ({ url: `/api/v1/users/${s === w.own ? await w.freshMember() : s.member}` }),
  },

  // Workspaces and their members.
  'GET /api/v1/workspaces': { access: ALL },
  'POST /api/v1/workspaces': {
    access: ADMINS,
    sessionOnly: true,
    req: () => ({ url: '/api/v1/workspaces', body: { name: 'Team B' } }),
  },
  'GET /api/v1/workspaces/:id/members': {
    access: ADMINS,
    scope: 'workspace',
    req: (_w, s) => ({ url: `/api/v1/workspaces/${s.ws}/members` }),
  },
  'POST /api/v1/workspaces/:id/members': {
    access: ADMINS,
    scope: 'workspace',
    req: async (w, s) => ({
      url: `/api/v1/workspaces/${s.ws}/members`,
      body: { email: await w.freshAccount(), role: 'viewer' },
    }),
  },
  'PATCH /api/v1/workspaces/:id/members/:userId': {
    access: ADMINS,
    scope: 'workspace',
    req: (_w, s) => ({ url: `/api/v1/workspaces/${s.ws}/members/${s.member}`, body: { role: 'viewer' } }),
  },
  'DELETE /api/v1/workspaces/:id/members/:userId': {
    access: ADMINS,
    scope: 'workspace',
    req: async (w, s) => ({
      url: `/api/v1/workspaces/${s.ws}/members/${s === w.own ? await w.freshMember() : s.member}`,
    }),
  },

  // API keys.
  'POST /api/v1/api-keys': {
    access: WRITERS,
    req: () => ({ url: '/api/v1/api-keys', body: { name: 'made', role: 'viewer', expiresInDays: 1 } }),
  },
  'GET /api/v1/api-keys': { access: WRITERS },
  'DELETE /api/v1/api-keys/:id': {
    access: WRITERS,
    scope: 'resource',
    req: async (w, s) => ({ url: `/api/v1/api-keys/${s === w.own ? await w.freshApiKey() : s.apiKey}` }),
  },

  // The catalog.
  'GET /api/v1/connectors': { access: ALL },
  'GET /api/v1/connectors/:id': { access: ALL, req: () => ({ url: '/api/v1/connectors/2ememain' }) },

  // Credentials, tokens and the proxy.
  'POST /api/v1/credentials': {
    access: WRITERS,
    req: () => ({
      url: '/api/v1/credentials',
      body: { connector: '2ememain', name: 'n', clientId: 'c', clientSecret: 'matrix-secret' },
    }),
  },
  'GET /api/v1/credentials': { access: ALL },
  'GET /api/v1/credentials/:id': {
    access: ALL,
    scope: 'resource',
    req: (_w, s) => ({ url: `/api/v1/credentials/${s.credActive}` }),
  },
  'PATCH /api/v1/credentials/:id': {
    access: WRITERS,
    scope: 'resource',
    req: (_w, s) => ({ url: `/api/v1/credentials/${s.credPending}`, body: { description: 'edited' } }),
  },
  'DELETE /api/v1/credentials/:id': {
    access: WRITERS,
    scope: 'resource',
    req: async (w, s) => ({
      url: `/api/v1/credentials/${s === w.own ? await w.freshCredential() : s.credPending}`,
    }),
  },
  'POST /api/v1/credentials/:id/authorize': {
    access: WRITERS,
    scope: 'resource',
    req: (_w, s) => ({ url: `/api/v1/credentials/${s.credPending}/authorize`, body: {} }),
  },
  'GET /api/v1/credentials/:id/token': {
    access: WRITERS,
    scope: 'resource',
    req: (_w, s) => ({ url: `/api/v1/credentials/${s.credActive}/token` }),
  },
  'POST /api/v1/credentials/:id/refresh': {
    access: WRITERS,
    scope: 'resource',
    req: (_w, s) => ({ url: `/api/v1/credentials/${s.credActive}/refresh` }),
  },
  'POST /api/v1/credentials/:id/revoke': {
    access: WRITERS,
    scope: 'resource',
    req: async (w, s) => ({
      url: `/api/v1/credentials/${s === w.own ? await w.freshCredential() : s.credActive}/revoke`,
    }),
  },
  'POST /api/v1/credentials/:id/test': {
    access: WRITERS,
    scope: 'resource',
    req: (_w, s) => ({ url: `/api/v1/credentials/${s.credActive}/test` }),
  },
  ...Object.fromEntries(
    ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m) => [
      `${m} /api/v1/proxy/:credentialId/*`,
      {
        access: WRITERS,
        scope: 'resource',
        ok: reachedUpstream,
        req: (_w: World, s: Side) => ({
          url: `/api/v1/proxy/${s.credActive}/${m === 'GET' || m === 'HEAD' ? 'me' : 'advertisements/m1'}`,
          body: ['POST', 'PUT', 'PATCH'].includes(m) ? { title: 'x' } : undefined,
        }),
      } satisfies Row,
    ]),
  ),

  // Webhooks and the audit log.
  'POST /api/v1/webhooks': {
    access: WRITERS,
    req: () => ({
      url: '/api/v1/webhooks',
      body: { url: 'https://hooks.example.com/m', events: ['credential.deleted'] },
    }),
  },
  'GET /api/v1/webhooks': { access: WRITERS },
  'GET /api/v1/webhooks/:id': {
    access: WRITERS,
    scope: 'resource',
    req: (_w, s) => ({ url: `/api/v1/webhooks/${s.webhook}` }),
  },
  'DELETE /api/v1/webhooks/:id': {
    access: WRITERS,
    scope: 'resource',
    req: async (w, s) => ({ url: `/api/v1/webhooks/${s === w.own ? await w.freshWebhook() : s.webhook}` }),
  },
  'GET /api/v1/webhooks/:id/deliveries': {
    access: WRITERS,
    scope: 'resource',
    req: (_w, s) => ({ url: `/api/v1/webhooks/${s.webhook}/deliveries` }),
  },
  'GET /api/v1/audit': { access: WRITERS },

  // Sources, destinations and their runs.
  ...dataRows('sources'),
  ...dataRows('destinations'),
  'POST /api/v1/sources/:id/preview': {
    access: WRITERS,
    scope: 'resource',
    req: (_w, s) => ({ url: `/api/v1/sources/${s.source}/preview`, body: { limit: 1 } }),
  },
  'POST /api/v1/sources/:id/runs': {
    access: WRITERS,
    scope: 'resource',
    req: (_w, s) => ({ url: `/api/v1/sources/${s.source}/runs`, body: {} }),
  },
  'POST /api/v1/destinations/:id/runs': {
    access: WRITERS,
    scope: 'resource',
    req: (_w, s) => ({
      url: `/api/v1/destinations/${s.destination}/runs`,
      body: { records: [{ title: 'x' }] },
    }),
  },
  'GET /api/v1/sources/:id/runs/:runId/records': {
    access: WRITERS,
    scope: 'resource',
    req: (_w, s) => ({ url: `/api/v1/sources/${s.source}/runs/${s.sourceRun}/records` }),
  },
  'GET /api/v1/destinations/:id/runs/:runId/results': {
    access: ALL,
    scope: 'resource',
    req: (_w, s) => ({ url: `/api/v1/destinations/${s.destination}/runs/${s.destinationRun}/results` }),
  },
};

function dataRows(kind: 'sources' | 'destinations'): Record<string, Row> {
  const base = `/api/v1/${kind}`;
  const id = (s: Side) => (kind === 'sources' ? s.source : s.destination);
  const run = (s: Side) => (kind === 'sources' ? s.sourceRun : s.destinationRun);
  return {
    [`POST ${base}`]: {
      access: WRITERS,
      req: (w) => ({
        url: base,
        body: {
          name: 'm',
          connector: '2ememain-sandbox',
          credentialId: w.own.credActive,
          resource: 'advertisements',
        },
      }),
    },
    [`GET ${base}`]: { access: ALL },
    [`GET ${base}/:id`]: { access: ALL, scope: 'resource', req: (_w, s) => ({ url: `${base}/${id(s)}` }) },
    [`PATCH ${base}/:id`]: {
      access: WRITERS,
      scope: 'resource',
      req: (_w, s) => ({ url: `${base}/${id(s)}`, body: { name: 'renamed' } }),
    },
    [`DELETE ${base}/:id`]: {
      access: WRITERS,
      scope: 'resource',
      req: async (w, s) => ({ url: `${base}/${s === w.own ? await w.freshData(kind) : id(s)}` }),
    },
    [`POST ${base}/:id/test`]: {
      access: WRITERS,
      scope: 'resource',
      req: (_w, s) => ({ url: `${base}/${id(s)}/test` }),
    },
    [`GET ${base}/:id/runs`]: {
      access: ALL,
      scope: 'resource',
      req: (_w, s) => ({ url: `${base}/${id(s)}/runs` }),
    },
    [`GET ${base}/:id/runs/:runId`]: {
      access: ALL,
      scope: 'resource',
      req: (_w, s) => ({ url: `${base}/${id(s)}/runs/${run(s)}` }),
    },
    [`POST ${base}/:id/runs/:runId/cancel`]: {
      access: WRITERS,
      scope: 'resource',
      req: (_w, s) => ({ url: `${base}/${id(s)}/runs/${run(s)}/cancel` }),
    },
  };
}

/** Areas whose every route is public by construction: the OpenAPI page and the sandbox provider. */
const PUBLIC_PREFIXES = ['/docs', '/sandbox/2ememain'];
for (const url of UI_ROUTES) ROWS[`GET ${url}`] = { access: 'public' };
/** Registered only when other parts are (e.g. the metrics endpoint), so they may be absent. */
const OPTIONAL = new Set(['GET /metrics']);

function rowFor(key: string): Row | undefined {
  const row = ROWS[key];
  if (row) return row;
  const [method, url] = key.split(' ') as [string, string];
  if (PUBLIC_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`))) return { access: 'public' };
  // A GET route's HEAD twin answers as the GET does.
  if (method === 'HEAD') return ROWS[`GET ${url}`];
  return undefined;
}

type Expected = 'ok' | 'public' | 401 | 403 | 404;

function expected(row: Row, c: Caller, side: 'own' | 'other'): Expected {
  if (row.access === 'public') return 'public';
  if (c.kind === 'none' || c.kind === 'bad') return 401;
  const allowed = row.access.includes(c.role!) && !(row.sessionOnly && c.kind === 'key');
  if (side === 'other' && (row.scope === 'workspace' || allowed)) return 404;
  return allowed ? 'ok' : 403;
}

const ERROR_OF = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' } as const;

describeEachDialect('permission matrix', (dialect) => {
  let sandbox: SandboxServer;
  let t: TestApp;
  const table: string[] = [];

  beforeAll(async () => {
    sandbox = await startTestSandbox({ advertisements: 5 });
    t = await createTestApp(
      dialect,
      { LATCHKEY_SANDBOX: '1' },
      {
        onRoute: (route: RouteOptions) => {
          for (const m of [route.method].flat()) table.push(`${m} ${route.url}`);
        },
      },
    );
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  it('has a row for every route of the app, and no row for a route that does not exist', () => {
    expect([...new Set(table)].filter((key) => !rowFor(key))).toEqual([]);
    const present = new Set(table);
    expect(Object.keys(ROWS).filter((key) => !present.has(key) && !OPTIONAL.has(key))).toEqual([]);
  });

  it(
    'answers every route × caller × workspace as the matrix says; viewers never see a secret',
    { timeout: 180_000 },
    async () => {
      const w = await buildWorld(t, sandbox.url);
      const failures: string[] = [];
      const watched: { who: string; text: string }[] = [];
      for (const key of [...new Set(table)].sort()) {
        const row = rowFor(key)!;
        const [method, pattern] = key.split(' ') as [string, string];
        for (const side of ['own', 'other'] as const) {
          if (side === 'other' && !row.scope) continue;
          for (const caller of w.callers) {
            const want = expected(row, caller, side);
            const s = side === 'own' ? w.own : w.other;
            const req: Req = row.req
              ? await row.req(w, s)
              : { url: pattern.replace(/:[A-Za-z]+/g, 'x').replace('*', 'x') };
            let headers = caller.headers;
            if (row.freshSession && caller.kind === 'session') headers = await w.freshSession(caller);
            const res = await t.app.inject({
              method: method as 'GET',
              url: req.url,
              headers: req.body === undefined ? headers : w.json(headers),
              ...(req.body === undefined ? {} : { payload: JSON.stringify(req.body) }),
            });
            const got = `${res.statusCode} ${latchkeyError(res) ?? ''}`.trim();
            const label = `${key} [${side}] as ${caller.name}: want ${want}, got ${got}`;
            let pass: boolean;
            if (want === 'public') {
              const code = latchkeyError(res);
              pass =
                res.statusCode < 500 &&
                !['unauthorized', 'forbidden', 'csrf_failed', 'rate_limited'].includes(code ?? '');
            } else if (want === 'ok')
              pass = row.ok ? row.ok(res) : res.statusCode >= 200 && res.statusCode < 300;
            // (A HEAD answer has no body to carry the error code.)
            else
              pass = res.statusCode === want && (method === 'HEAD' || latchkeyError(res) === ERROR_OF[want]);
            if (!pass) failures.push(`${label} ${res.body.slice(0, 200)}`);
            if (caller.kind !== 'key' && caller.kind !== 'session')
              watched.push({ who: label, text: exposed(res) });
            else if (caller.role === 'viewer') watched.push({ who: label, text: exposed(res) });
            else await w.snapshotTokens();
          }
        }
      }
      expect(failures).toEqual([]);

      // Every secret of the world, including every token handed out or rotated meanwhile.
      await w.snapshotTokens();
      const secrets = [...w.secrets].filter((s) => s.length >= 8);
      expect(secrets.length).toBeGreaterThan(15);
      const leaks = watched.flatMap(({ who, text }) =>
        secrets.filter((s) => text.includes(s)).map((s) => `${who}: ${s.slice(0, 6)}…`),
      );
      expect(leaks).toEqual([]);
      // Nor is any secret in the audit log (read here as an admin).
      const audit = await t.app.inject({ url: '/api/v1/audit?limit=200', headers: t.auth });
      expect(audit.json().items.length).toBeGreaterThan(50);
      expect(secrets.filter((s) => audit.body.includes(s))).toEqual([]);
      expect(OTHER_WS).toBe(w.other.ws);
    },
  );
});

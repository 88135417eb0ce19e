/**
 * A populated Latchkey for the access tests: two workspaces, each with an authorized credential, a pending
 * one, a source and a destination with finished runs, a webhook, API keys and members; signed-in users and
 * API keys of every role in the first; and every secret that exists, to search responses for.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { createApiKey, createSession, createWorkspace, hashPassword, type Role } from '../src/auth/index.js';
import { newId } from '../src/db/index.js';
import { aadFor } from '../src/vault/index.js';
import type { TestApp } from './helpers/app.js';
import { addSandboxConnector, createAndAuthorize } from './helpers/sandbox.js';

export const PASSWORD = 'correct horse battery staple';
export const OTHER_WS = 'ws_other';

/** Who calls: an API key or a signed-in user of a role, nobody, or a key that does not exist. */
export interface Caller {
  name: string;
  kind: 'key' | 'session' | 'none' | 'bad';
  role: Role | null;
  headers: Record<string, string>;
  userId?: string;
}

/** The resources of one workspace. */
export interface Side {
  ws: string;
  auth: { authorization: string };
  credActive: string;
  credPending: string;
  source: string;
  destination: string;
  sourceRun: string;
  destinationRun: string;
  webhook: string;
  /** A member (viewer) to read and re-role. */
  member: string;
  /** A viewer API key of the workspace. */
  apiKey: string;
}

export interface World {
  t: TestApp;
  own: Side;
  other: Side;
  callers: Caller[];
  /** Every secret value known so far (grows as tokens rotate and keys are made). */
  secrets: Set<string>;
  /** Read the current access and refresh tokens of every credential into `secrets`. */
  snapshotTokens(): Promise<void>;
  freshCredential(): Promise<string>;
  /** A new source or destination on the own workspace's authorized credential. */
  freshData(kind: 'sources' | 'destinations'): Promise<string>;
  /** An account of the default workspace that signs in with PASSWORD. */
  signInEmail: string;
  freshWebhook(): Promise<string>;
  freshApiKey(): Promise<string>;
  /** A new account, member (viewer) of the default workspace. */
  freshMember(): Promise<string>;
  /** A new account that belongs to no workspace; its email. */
  freshAccount(): Promise<string>;
  /** A new session of the caller's user (for sign-out). */
  freshSession(caller: Caller): Promise<Record<string, string>>;
  json(headers: Record<string, string>): Record<string, string>;
}

const unique = () => randomBytes(5).toString('hex');

export async function buildWorld(t: TestApp, sandboxUrl: string): Promise<World> {
  const db = t.ctx.db;
  const k = db.kysely;
  const secrets = new Set<string>([PASSWORD, t.apiKey]);
  const passwordHash = await hashPassword(PASSWORD);
  addSandboxConnector(t, sandboxUrl);

  async function insertUser(email: string, memberOf: { ws: string; role: Role } | null): Promise<string> {
    const now = Date.now();
    const id = newId('usr', now);
    await k
      .insertInto('users')
      .values({ id, email, password_hash: passwordHash, created_at: now, updated_at: now })
      .execute();
    if (memberOf) {
      await k
        .insertInto('memberships')
        .values({ workspace_id: memberOf.ws, user_id: id, role: memberOf.role, created_at: now })
        .execute();
    }
    return id;
  }

  async function key(ws: string, role: Role): Promise<string> {
    const { key } = await createApiKey(db, { workspaceId: ws, name: `${role} key`, role });
    secrets.add(key);
    return key;
  }

  const post = async (auth: Record<string, string>, url: string, payload: unknown) => {
    const res = await t.app.inject({ method: 'POST', url, headers: auth, payload: payload as object });
    if (res.statusCode >= 300) throw new Error(`POST ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };

  async function finished(auth: Record<string, string>, url: string): Promise<void> {
    for (let i = 0; i < 400; i++) {
      const res = await t.app.inject({ url, headers: auth });
      if (['succeeded', 'failed', 'cancelled'].includes(res.json().status)) return;
      await sleep(25);
    }
    throw new Error(`run ${url} did not finish`);
  }

  async function side(ws: string, auth: { authorization: string }): Promise<Side> {
    const authorized = await createAndAuthorize({ ...t, auth }, sandboxUrl);
    secrets.add(authorized.client.clientSecret);
    const pendingSecret = `pending-secret-${unique()}`;
    secrets.add(pendingSecret);
    const pending = await post(auth, '/api/v1/credentials', {
      connector: '2ememain',
      name: 'Pending',
      clientId: 'pending-client',
      clientSecret: pendingSecret,
    });
    const data = { connector: '2ememain-sandbox', credentialId: authorized.id, resource: 'advertisements' };
    const source = await post(auth, '/api/v1/sources', { name: 'Ads', ...data });
    const destination = await post(auth, '/api/v1/destinations', { name: 'New ads', ...data });
    const sourceRun = await post(auth, `/api/v1/sources/${source.id}/runs`, {});
    const destinationRun = await post(auth, `/api/v1/destinations/${destination.id}/runs`, {
      records: [{ title: 'A bike' }],
    });
    await finished(auth, `/api/v1/sources/${source.id}/runs/${sourceRun.id}`);
    await finished(auth, `/api/v1/destinations/${destination.id}/runs/${destinationRun.id}`);
    const webhook = await post(auth, '/api/v1/webhooks', {
      url: 'https://hooks.example.com/latchkey',
      events: ['credential.revoked'],
    });
    secrets.add(webhook.secret);
    const member = await insertUser(`member-${unique()}@example.com`, { ws, role: 'viewer' });
    const { key: apiKeyValue, record } = await createApiKey(db, {
      workspaceId: ws,
      name: 'pipeline',
      role: 'viewer',
    });
    secrets.add(apiKeyValue);
    return {
      ws,
      auth,
      credActive: authorized.id,
      credPending: pending.id,
      source: source.id,
      destination: destination.id,
      sourceRun: sourceRun.id,
      destinationRun: destinationRun.id,
      webhook: webhook.id,
      member,
      apiKey: record.id,
    };
  }

  await createWorkspace(db, OTHER_WS, 'Other');
  const own = await side(t.ctx.defaultWorkspaceId, t.auth);
  const other = await side(OTHER_WS, { authorization: `Bearer ${await key(OTHER_WS, 'admin')}` });

  const callers: Caller[] = [];
  callers.push({ name: 'admin key', kind: 'key', role: 'admin', headers: t.auth });
  for (const role of ['editor', 'viewer'] as const) {
    callers.push({
      name: `${role} key`,
      kind: 'key',
      role,
      headers: { authorization: `Bearer ${await key(own.ws, role)}` },
    });
  }
  async function sessionHeaders(userId: string, ws: string) {
    const s = await createSession(db, userId, ws);
    return { cookie: `latchkey_session=${s.id}`, 'x-csrf-token': s.csrfToken, _id: s.id };
  }
  for (const role of ['admin', 'editor', 'viewer'] as const) {
    const userId = await insertUser(`${role}-${unique()}@example.com`, { ws: own.ws, role });
    const { _id, ...headers } = await sessionHeaders(userId, own.ws);
    // Another user's session is a secret to this one (a viewer's own is not: it holds it already).
    if (role !== 'viewer') {
      secrets.add(_id);
      secrets.add(headers['x-csrf-token']);
    }
    callers.push({ name: `${role} session`, kind: 'session', role, headers, userId });
  }
  const signInEmail = `signin-${unique()}@example.com`;
  await insertUser(signInEmail, { ws: own.ws, role: 'viewer' });
  callers.push({ name: 'no credentials', kind: 'none', role: null, headers: {} });
  callers.push({
    name: 'unknown key',
    kind: 'bad',
    role: null,
    headers: { authorization: `Bearer lk_${randomBytes(32).toString('base64url')}` },
  });

  return {
    t,
    own,
    other,
    callers,
    secrets,
    async snapshotTokens() {
      const rows = await k
        .selectFrom('credentials')
        .select(['id', 'access_token_sealed', 'refresh_token_sealed'])
        .execute();
      for (const r of rows) {
        if (r.access_token_sealed)
          secrets.add(t.ctx.vault.open(r.access_token_sealed, aadFor(r.id, 'access_token')));
        if (r.refresh_token_sealed)
          secrets.add(t.ctx.vault.open(r.refresh_token_sealed, aadFor(r.id, 'refresh_token')));
      }
    },
    async freshCredential() {
      const secret = `fresh-secret-${unique()}`;
      secrets.add(secret);
      return (
        await post(t.auth, '/api/v1/credentials', {
          connector: '2ememain',
          name: 'Fresh',
          clientId: 'fresh-client',
          clientSecret: secret,
        })
      ).id;
    },
    signInEmail,
    async freshData(kind) {
      return (
        await post(t.auth, `/api/v1/${kind}`, {
          name: 'Fresh',
          connector: '2ememain-sandbox',
          credentialId: own.credActive,
          resource: 'advertisements',
        })
      ).id;
    },
    async freshWebhook() {
      const w = await post(t.auth, '/api/v1/webhooks', {
        url: 'https://hooks.example.com/fresh',
        events: ['credential.deleted'],
      });
      secrets.add(w.secret);
      return w.id;
    },
    async freshApiKey() {
      const { key: value, record } = await createApiKey(db, {
        workspaceId: own.ws,
        name: 'fresh',
        role: 'viewer',
      });
      secrets.add(value);
      return record.id;
    },
    freshMember: () => insertUser(`fresh-${unique()}@example.com`, { ws: own.ws, role: 'viewer' }),
    async freshAccount() {
      const email = `account-${unique()}@example.com`;
      await insertUser(email, null);
      return email;
    },
    async freshSession(caller) {
      const { _id, ...headers } = await sessionHeaders(caller.userId!, own.ws);
      return headers;
    },
    json: (headers) => ({ ...headers, 'content-type': 'application/json' }),
  };
}

/** The response as text a secret could hide in: the body and every header. */
export function exposed(res: LightMyRequestResponse): string {
  return `${JSON.stringify(res.headers)}\n${res.body}`;
}

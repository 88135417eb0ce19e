import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { SandboxServer } from '../src/sandbox/index.js';
import { aadFor } from '../src/vault/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';
import {
  addSandboxConnector,
  createAndAuthorize,
  registerClient,
  startTestSandbox,
} from './helpers/sandbox.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeEachDialect('token lifecycle against the sandbox', (dialect) => {
  let sandbox: SandboxServer;
  let t: TestApp;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    t = await createTestApp(dialect, { LATCHKEY_PROVIDER_TIMEOUT_MS: '1000' });
    addSandboxConnector(t, sandbox.url);
    sandbox.sandbox.setFaults({ token: { mode: 'none' } });
  });
  afterEach(() => t.close());

  /** A credential whose access tokens live `ttl` seconds. */
  async function shortLived(ttl = 2) {
    const client = await registerClient(sandbox.url, t.config.redirectUri, { access_token_ttl_s: ttl });
    const { id } = await createAndAuthorize(t, sandbox.url, { client });
    sandbox.sandbox.reset();
    return { id, client };
  }
  const token = (id: string) => t.app.inject({ url: `/api/v1/credentials/${id}/token`, headers: t.auth });
  const view = async (id: string) =>
    (await t.app.inject({ url: `/api/v1/credentials/${id}`, headers: t.auth })).json();
  const works = async (accessToken: string) =>
    (
      await fetch(`${sandbox.url}/api/v1/me`, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      })
    ).status;
  const storedRefreshToken = async (id: string) => {
    const row = await t.ctx.credentials.load(t.ctx.defaultWorkspaceId, id);
    return t.ctx.vault.open(row.refresh_token_sealed!, aadFor(id, 'refresh_token'));
  };

  it('serves a cached token without calling the provider while it is fresh', async () => {
    const { id } = await shortLived(3600);
    const a = (await token(id)).json();
    const b = (await token(id)).json();
    expect(a.accessToken).toBe(b.accessToken);
    expect(sandbox.sandbox.stats().tokenRequests.total).toBe(0);
  });

  it('200 concurrent callers of an expired token cause exactly one refresh, and all get the same valid token', async () => {
    const { id } = await shortLived(2);
    const old = (await token(id)).json().accessToken;
    await sleep(1100); // past half of the 2 s lifetime: due for refresh
    const answers = await Promise.all(Array.from({ length: 200 }, () => token(id)));
    expect(answers.every((r) => r.statusCode === 200)).toBe(true);
    const tokens = new Set(answers.map((r) => r.json().accessToken));
    expect(tokens.size).toBe(1);
    const [fresh] = [...tokens] as [string];
    expect(fresh).not.toBe(old);
    expect(sandbox.sandbox.stats().refreshes).toBe(1);
    expect(await works(fresh)).toBe(200);
    expect((await view(id)).lastRefreshedAt).not.toBeNull();
  });

  it('rotation: after several refreshes only the newest refresh token works, and Latchkey holds it', async () => {
    const { id, client } = await shortLived(3600);
    const seen: string[] = [await storedRefreshToken(id)];
    for (let i = 0; i < 4; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/credentials/${id}/refresh`,
        headers: t.auth,
      });
      expect(res.statusCode).toBe(200);
      seen.push(await storedRefreshToken(id));
    }
    expect(new Set(seen).size).toBe(5);
    expect(sandbox.sandbox.stats().refreshes).toBe(4);
    const grant = (rt: string) =>
      fetch(`${sandbox.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: rt,
          client_id: client.clientId,
          client_secret: client.clientSecret,
        }),
      });
    const newest = await grant(seen[4]!);
    expect(newest.status).toBe(200);
    for (const old of seen.slice(0, 4)) expect((await grant(old)).status).toBe(400);
  });

  it('a provider 5xx keeps serving the still-valid token, records lastError, and recovers', async () => {
    const { id } = await shortLived(3600);
    const before = (await token(id)).json().accessToken;
    sandbox.sandbox.setFaults({ token: { mode: 'status', status: 503, count: 1 } });
    const forced = await t.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${id}/refresh`,
      headers: t.auth,
    });
    expect(forced.statusCode).toBe(200);
    expect(forced.json().lastError.code).toBe('provider_unavailable');
    expect(forced.json().status).toBe('active');
    expect((await token(id)).json().accessToken).toBe(before);
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${id}/refresh`,
      headers: t.auth,
    });
    expect(again.json().lastError).toBeNull();
    const after = (await token(id)).json().accessToken;
    expect(after).not.toBe(before);
    expect(await works(after)).toBe(200);
  });

  it('an expired token with the provider down answers a clear 502 with Retry-After, and callers in the cooldown do not reach the provider', async () => {
    const { id } = await shortLived(2);
    sandbox.sandbox.setFaults({ token: { mode: 'status', status: 503 } });
    await sleep(2100); // fully expired
    const first = await token(id);
    expect(first.statusCode).toBe(502);
    expect(first.json().error.code).toBe('provider_unavailable');
    expect(Number(first.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const many = await Promise.all(Array.from({ length: 50 }, () => token(id)));
    expect(many.every((r) => r.statusCode === 502)).toBe(true);
    // One provider call: the rest waited for it or were turned away during the cooldown.
    expect(sandbox.sandbox.stats().tokenRequests.total).toBe(1);
    expect((await view(id)).lastError.code).toBe('provider_unavailable');
    // Recovery once the cooldown passes.
    sandbox.sandbox.setFaults({ token: { mode: 'none' } });
    await t.ctx.db.kysely
      .updateTable('credentials')
      .set({ next_refresh_attempt_at: Date.now() - 1 })
      .where('id', '=', id)
      .execute();
    const ok = await token(id);
    expect(ok.statusCode).toBe(200);
    expect(await works(ok.json().accessToken)).toBe(200);
  });

  it('a provider that does not answer in time is provider_timeout', async () => {
    const { id } = await shortLived(2);
    sandbox.sandbox.setFaults({ token: { mode: 'delay', delayMs: 2500, count: 1 } });
    await sleep(2100);
    const res = await token(id);
    expect(res.statusCode).toBe(504);
    expect(res.json().error.code).toBe('provider_timeout');
    expect((await view(id)).lastError.code).toBe('provider_timeout');
    // The sandbox still answers the abandoned request later: let it finish before the next test counts.
    await sleep(1600);
  });

  it('invalid_grant moves the credential to reauthorization_required at once, with the reason', async () => {
    const { id, client } = await shortLived(3600);
    // The user revoked the app at the provider: the refresh token is dead.
    const rt = await storedRefreshToken(id);
    const revoked = await fetch(`${sandbox.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: rt,
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }),
    });
    expect(revoked.status).toBe(200);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${id}/refresh`,
      headers: t.auth,
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('reauthorization_required');
    const v = await view(id);
    expect(v.status).toBe('reauthorization_required');
    expect(v.lastError.code).toBe('invalid_grant');
    const tok = await token(id);
    expect(tok.statusCode).toBe(409);
    expect(tok.json().error.code).toBe('reauthorization_required');
    expect(tok.json().error.message).toContain('invalid_grant');
    // Authorizing again makes it active.
    const { authorizeAgain } = await import('./helpers/sandbox.js');
    expect((await authorizeAgain(t, id)).json().result).toBe('authorized');
    expect((await token(id)).statusCode).toBe(200);
  });

  it('revocation reaches the provider, wipes the tokens, and getToken then refuses', async () => {
    const { id } = await shortLived(3600);
    const accessToken = (await token(id)).json().accessToken;
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${id}/revoke`,
      headers: t.auth,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().providerRevocation.outcome).toBe('revoked');
    expect(res.json().credential.status).toBe('revoked');
    expect(res.json().credential.accessTokenExpiresAt).toBeNull();
    const stats = sandbox.sandbox.stats();
    expect(stats.revocations.requests).toBe(2);
    expect(stats.revocations.tokensRevoked).toBeGreaterThanOrEqual(2);
    expect(await works(accessToken)).toBe(401);
    const tok = await token(id);
    expect(tok.statusCode).toBe(409);
    expect(tok.json().error).toEqual({
      code: 'credential_not_active',
      message: 'credential is revoked, not active',
    });
    const row = await t.ctx.credentials.load(t.ctx.defaultWorkspaceId, id);
    expect(row.access_token_sealed).toBeNull();
    expect(row.refresh_token_sealed).toBeNull();
  });

  it('delete revokes at the provider first (best effort)', async () => {
    const { id } = await shortLived(3600);
    const accessToken = (await token(id)).json().accessToken;
    const res = await t.app.inject({ method: 'DELETE', url: `/api/v1/credentials/${id}`, headers: t.auth });
    expect(res.statusCode).toBe(204);
    expect(sandbox.sandbox.stats().revocations.requests).toBeGreaterThanOrEqual(1);
    expect(await works(accessToken)).toBe(401);
  });

  it('the connector test calls /me with the token and records the outcome', async () => {
    const { id } = await shortLived(3600);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${id}/test`,
      headers: t.auth,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      ok: true,
      status: 200,
      credential: { lastTest: { ok: true, status: 200 } },
    });
    // An expired access token at the API: the test refreshes once and retries.
    sandbox.sandbox.expireAccessTokens();
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${id}/test`,
      headers: t.auth,
    });
    expect(again.json()).toMatchObject({ ok: true, status: 200 });
    expect(sandbox.sandbox.stats().refreshes).toBe(1);
  });

  it('the proactive refresher renews due credentials only, once each', async () => {
    const due = await shortLived(2);
    const fresh = await shortLived(3600);
    await sleep(1100);
    const claimed = await t.ctx.refresher.tick();
    expect(claimed).toBe(1);
    expect(sandbox.sandbox.stats().refreshes).toBe(1);
    expect(await t.ctx.refresher.tick()).toBe(0);
    const v = await view(due.id);
    expect(Date.parse(v.lastRefreshedAt)).toBeGreaterThan(Date.now() - 2000);
    expect((await view(fresh.id)).lastRefreshedAt).not.toBe(v.lastRefreshedAt);
  });

  it('stopping the refresher waits for the refresh in flight (SIGTERM drains)', async () => {
    const { id } = await shortLived(2);
    await sleep(1100);
    sandbox.sandbox.setFaults({ token: { mode: 'delay', delayMs: 400, count: 1 } });
    const before = (await t.ctx.credentials.load(t.ctx.defaultWorkspaceId, id)).token_version;
    const pass = t.ctx.refresher.tick();
    await sleep(100);
    await t.ctx.refresher.stop();
    await pass;
    const row = await t.ctx.credentials.load(t.ctx.defaultWorkspaceId, id);
    expect(row.token_version).toBe(before + 1);
    expect(row.lease_owner).toBeNull();
  });

  it('audits every hand-out, refresh and revocation, never with a secret', async () => {
    const { id, client } = await shortLived(3600);
    const accessToken = (await token(id)).json().accessToken;
    await t.app.inject({ method: 'POST', url: `/api/v1/credentials/${id}/refresh`, headers: t.auth });
    await t.app.inject({ method: 'POST', url: `/api/v1/credentials/${id}/revoke`, headers: t.auth });
    await t.ctx.audit.flush();
    const audit = await t.app.inject({ url: `/api/v1/audit?credentialId=${id}&limit=200`, headers: t.auth });
    const actions = audit.json().items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['token.issued', 'credential.refreshed', 'credential.revoked']),
    );
    expect(audit.body).not.toContain(accessToken);
    expect(audit.body).not.toContain(client.clientSecret);
  });
});

import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { SandboxServer } from '../src/sandbox/index.js';
import { aadFor } from '../src/vault/index.js';
import { approveInBrowser } from './sandbox/browser-client.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';
import {
  addSandboxConnector,
  authorizeAgain,
  createAndAuthorize,
  DEMO,
  registerClient,
  startTestSandbox,
} from './helpers/sandbox.js';

const RESERVED_SECRET = 'a b/+:%&=c';

describeEachDialect('OAuth authorization-code flow against the sandbox', (dialect) => {
  let sandbox: SandboxServer;
  let t: TestApp;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    t = await createTestApp(dialect, { LATCHKEY_PROVIDER_TIMEOUT_MS: '1500' });
    addSandboxConnector(t, sandbox.url);
    sandbox.sandbox.setFaults({ token: { mode: 'none' } });
  });
  afterEach(() => t.close());

  const get = async (id: string) =>
    (await t.app.inject({ url: `/api/v1/credentials/${id}`, headers: t.auth })).json();
  const sealed = async (id: string) => {
    const row = await t.ctx.credentials.load(t.ctx.defaultWorkspaceId, id);
    return { at: row.access_token_sealed, rt: row.refresh_token_sealed, version: row.token_version };
  };
  const callMe = (accessToken: string) =>
    fetch(`${sandbox.url}/api/v1/me`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    });

  it('create → authorize → sign in → approve → callback → active, and the token works at the API', async () => {
    const { id, callback } = await createAndAuthorize(t, sandbox.url);
    expect(callback.statusCode).toBe(200);
    expect(callback.json()).toEqual({ result: 'authorized', credentialId: id, error: null });
    const view = await get(id);
    expect(view.status).toBe('active');
    expect(view.grantedScope).toBe('read write profile');
    expect(Date.parse(view.accessTokenExpiresAt)).toBeGreaterThan(Date.now() + 3_000_000);
    expect(view.lastError).toBeNull();

    const token = await t.app.inject({ url: `/api/v1/credentials/${id}/token`, headers: t.auth });
    expect(token.statusCode).toBe(200);
    expect(token.headers['cache-control']).toBe('no-store');
    const body = token.json();
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      scope: 'read write profile',
      expiresAt: view.accessTokenExpiresAt,
    });
    const me = await callMe(body.accessToken);
    expect(me.status).toBe(200);
    expect(((await me.json()) as { email: string }).email).toBe(DEMO.email);

    // Stored sealed, bound to the credential.
    const s = await sealed(id);
    expect(s.at).toMatch(/^v1\./);
    expect(s.at).not.toContain(body.accessToken);
    expect(t.ctx.vault.open(s.at!, aadFor(id, 'access_token'))).toBe(body.accessToken);
  });

  it('records a denial as access_denied and leaves the status and tokens as they were', async () => {
    const { id, callback } = await createAndAuthorize(t, sandbox.url, { decision: 'deny' });
    expect(callback.json()).toMatchObject({ result: 'denied', error: { code: 'access_denied' } });
    const view = await get(id);
    expect(view.status).toBe('pending_authorization');
    expect(view.lastError.code).toBe('access_denied');

    // Authorized, then denied on re-authorization: still active with the same tokens.
    await authorizeAgain(t, id);
    const before = await sealed(id);
    const denied = await authorizeAgain(t, id, 'deny');
    expect(denied.json().result).toBe('denied');
    expect(await sealed(id)).toEqual(before);
    expect((await get(id)).status).toBe('active');
  });

  it('refuses a forged, a reused and an expired state without changing anything', async () => {
    const { id } = await createAndAuthorize(t, sandbox.url);
    const before = await sealed(id);
    const forged = await t.app.inject({
      url: '/oauth/callback?code=x&state=forged',
      headers: { accept: 'application/json' },
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.code).toBe('state_invalid');
    const html = await t.app.inject({
      url: '/oauth/callback?code=x&state=forged',
      headers: { accept: 'text/html' },
    });
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.body).toContain('unknown authorization state');

    // Replay the exact callback (same code, same state).
    const start = await t.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${id}/authorize`,
      headers: t.auth,
      payload: {},
    });
    const redirect = new URL(
      await approveInBrowser(start.json().authorizationUrl, { ...DEMO, decision: 'authorize' }),
    );
    const first = await t.app.inject({
      url: redirect.pathname + redirect.search,
      headers: { accept: 'application/json' },
    });
    expect(first.json().result).toBe('authorized');
    const afterFirst = await sealed(id);
    expect(afterFirst.at).not.toBe(before.at);
    const replay = await t.app.inject({
      url: redirect.pathname + redirect.search,
      headers: { accept: 'application/json' },
    });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error.message).toContain('already used');
    expect(await sealed(id)).toEqual(afterFirst);

    // Expired: a state older than 10 minutes.
    const late = await t.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${id}/authorize`,
      headers: t.auth,
      payload: {},
    });
    const lateRedirect = new URL(
      await approveInBrowser(late.json().authorizationUrl, { ...DEMO, decision: 'authorize' }),
    );
    await t.ctx.db.kysely
      .updateTable('oauth_states')
      .set({ expires_at: Date.now() - 1 })
      .where('used_at', 'is', null)
      .execute();
    const expired = await t.app.inject({
      url: lateRedirect.pathname + lateRedirect.search,
      headers: { accept: 'application/json' },
    });
    expect(expired.statusCode).toBe(400);
    expect(expired.json().error.message).toContain('longer than 10 minutes');
    expect(await sealed(id)).toEqual(afterFirst);
  });

  it('a wrong client secret is invalid_client, recorded, with the previous tokens kept', async () => {
    const { id } = await createAndAuthorize(t, sandbox.url);
    const before = await sealed(id);
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/credentials/${id}`,
      headers: t.auth,
      payload: { clientSecret: 'wrong-secret' },
    });
    const res = await authorizeAgain(t, id);
    expect(res.json()).toMatchObject({ result: 'error', error: { code: 'invalid_client' } });
    const view = await get(id);
    expect(view.status).toBe('active');
    expect(view.lastError.code).toBe('invalid_client');
    expect(JSON.stringify(view)).not.toContain('wrong-secret');
    expect(await sealed(id)).toEqual(before);
  });

  it.each(['client_secret_post', 'client_secret_basic'] as const)(
    'authenticates a secret with reserved characters with %s (RFC 6749 §2.3.1)',
    async (method) => {
      const connector = addSandboxConnector(t, sandbox.url, (c) => ({
        ...c,
        id: `sandbox-${method.replace(/_/g, '-')}`,
        auth: { ...c.auth, tokenEndpointAuthMethod: method },
      }));
      const client = await registerClient(sandbox.url, t.config.redirectUri, {
        client_secret: RESERVED_SECRET,
        token_endpoint_auth_method: method,
      });
      expect(client.clientSecret).toBe(RESERVED_SECRET);
      const { id, callback } = await createAndAuthorize(t, sandbox.url, { connector, client });
      expect(callback.json().result).toBe('authorized');
      expect((await get(id)).status).toBe('active');
    },
  );

  it('sends PKCE S256; a verifier that does not match the challenge is refused', async () => {
    const { id } = await createAndAuthorize(t, sandbox.url);
    const before = await sealed(id);
    const start = await t.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${id}/authorize`,
      headers: t.auth,
      payload: {},
    });
    const url = new URL(start.json().authorizationUrl);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')!.length).toBeGreaterThanOrEqual(22);
    // Swap the stored verifier for another one.
    await t.ctx.db.kysely
      .updateTable('oauth_states')
      .set({ code_verifier_sealed: t.ctx.vault.seal('x'.repeat(43), aadFor(id, 'code_verifier')) })
      .where('used_at', 'is', null)
      .execute();
    const redirect = new URL(await approveInBrowser(url.toString(), { ...DEMO, decision: 'authorize' }));
    const res = await t.app.inject({
      url: redirect.pathname + redirect.search,
      headers: { accept: 'application/json' },
    });
    expect(res.json()).toMatchObject({ result: 'error', error: { code: 'invalid_grant' } });
    expect(await sealed(id)).toEqual(before);
  });

  it('rejects an authorization response from another issuer (RFC 9207)', async () => {
    const { id } = await createAndAuthorize(t, sandbox.url);
    const before = await sealed(id);
    const res = await authorizeAgain(t, id, 'authorize', (u) =>
      u.searchParams.set('iss', 'https://evil.example'),
    );
    expect(res.json()).toMatchObject({ result: 'error', error: { code: 'issuer_mismatch' } });
    expect(await sealed(id)).toEqual(before);
    const missing = await authorizeAgain(t, id, 'authorize', (u) => u.searchParams.delete('iss'));
    expect(missing.json()).toMatchObject({ result: 'error', error: { code: 'issuer_mismatch' } });
    expect(await sealed(id)).toEqual(before);
  });

  it.each([
    ['slow (timeout)', { mode: 'delay', delayMs: 4000, count: 1 }, 'provider_timeout'],
    ['failing (5xx)', { mode: 'status', status: 503, count: 1 }, 'provider_unavailable'],
    ['answering garbage', { mode: 'garbage', count: 1 }, 'provider_invalid_response'],
    ['dropping the connection', { mode: 'drop', count: 1 }, 'provider_unavailable'],
  ] as const)('records a provider that is %s, keeping the previous tokens', async (_label, fault, code) => {
    const { id } = await createAndAuthorize(t, sandbox.url);
    const before = await sealed(id);
    sandbox.sandbox.setFaults({ token: fault as never });
    const res = await authorizeAgain(t, id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ result: 'error', error: { code } });
    const view = await get(id);
    expect(view.status).toBe('active');
    expect(view.lastError.code).toBe(code);
    expect(await sealed(id)).toEqual(before);
  });

  it('refuses open redirects in returnTo and redirects same-origin paths with the outcome', async () => {
    const client = await registerClient(sandbox.url, t.config.redirectUri);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: t.auth,
      payload: {
        connector: '2ememain-sandbox',
        name: 'x',
        clientId: client.clientId,
        clientSecret: client.clientSecret,
      },
    });
    const id = created.json().id;
    for (const returnTo of [
      'https://evil.example/',
      '//evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
      'http://127.0.0.1:3001/x',
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/credentials/${id}/authorize`,
        headers: t.auth,
        payload: { returnTo },
      });
      expect(res.statusCode, returnTo).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    const ok = await t.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${id}/authorize`,
      headers: t.auth,
      payload: { returnTo: '/oauth/complete' },
    });
    const redirect = new URL(
      await approveInBrowser(ok.json().authorizationUrl, { ...DEMO, decision: 'authorize' }),
    );
    const res = await t.app.inject({ url: redirect.pathname + redirect.search });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/oauth/complete?oauth_result=authorized&credential_id=${id}`);
  });

  it('finishes a flow started from a UI session only in that session', async () => {
    const setup = await t.app.inject({
      method: 'POST',
      url: '/api/v1/setup',
      payload: { email: 'a@b.example', password: 'long enough pw' },
    });
    const cookie = String(setup.headers['set-cookie']).split(';')[0]!;
    const csrf = setup.json().csrfToken;
    const client = await registerClient(sandbox.url, t.config.redirectUri);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: {
        connector: '2ememain-sandbox',
        name: 'x',
        clientId: client.clientId,
        clientSecret: client.clientSecret,
      },
    });
    const id = created.json().id;
    const start = await t.app.inject({
      method: 'POST',
      url: `/api/v1/credentials/${id}/authorize`,
      headers: { cookie, 'x-csrf-token': csrf },
      payload: {},
    });
    const redirect = new URL(
      await approveInBrowser(start.json().authorizationUrl, { ...DEMO, decision: 'authorize' }),
    );
    const path = redirect.pathname + redirect.search;
    // A victim's browser (no session, or another session) cannot finish it.
    const other = await t.app.inject({ url: path, headers: { accept: 'application/json' } });
    expect(other.statusCode).toBe(403);
    expect(other.json().error.code).toBe('session_mismatch');
    expect((await get(id)).status).toBe('pending_authorization');
    const mine = await t.app.inject({ url: path, headers: { accept: 'application/json', cookie } });
    expect(mine.json().result).toBe('authorized');
  });

  it('records authorization in the audit log without secrets', async () => {
    const { id, client } = await createAndAuthorize(t, sandbox.url);
    const audit = await t.app.inject({ url: `/api/v1/audit?credentialId=${id}`, headers: t.auth });
    const actions = audit.json().items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'credential.created',
        'credential.authorization_started',
        'credential.authorized',
      ]),
    );
    expect(audit.body).not.toContain(client.clientSecret);
  });
});

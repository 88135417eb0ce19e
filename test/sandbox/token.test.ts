import { describe, expect, it } from 'vitest';
import {
  api,
  authorize,
  createHarness,
  obtainTokens,
  pkcePair,
  REDIRECT_URI,
  refresh,
  register,
  tokenRequest,
  type Harness,
  type RegisteredClient,
} from './helpers.js';

async function codeFor(h: Harness, client: RegisteredClient, params: Record<string, string> = {}) {
  const q = await authorize(h, client.client_id, { params });
  return q.get('code')!;
}

const postAuth = (c: RegisteredClient) => ({ client_id: c.client_id, client_secret: c.client_secret });

describe('token endpoint: authorization_code grant (RFC 6749 §4.1.3)', () => {
  it('issues bearer tokens that must not be cached', async () => {
    const h = await createHarness();
    const client = await register(h);
    const code = await codeFor(h, client);
    const res = await tokenRequest(h, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      ...postAuth(client),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(Object.keys(body)).toEqual(['access_token', 'token_type', 'expires_in', 'refresh_token', 'scope']);
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'read profile' });
    expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(h.sandbox.stats().tokenRequests.byGrantType.authorization_code).toEqual({ ok: 1, error: 0 });
  });

  it('accepts a code once, and revokes the tokens issued from it when it is replayed', async () => {
    const h = await createHarness();
    const client = await register(h);
    const code = await codeFor(h, client);
    const params = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      ...postAuth(client),
    };
    const first = (await tokenRequest(h, params)).json();
    expect((await api(h, '/me', first.access_token)).statusCode).toBe(200);
    const replay = await tokenRequest(h, params);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error).toBe('invalid_grant');
    expect((await api(h, '/me', first.access_token)).statusCode).toBe(401);
    expect((await refresh(h, client, first.refresh_token)).json().error).toBe('invalid_grant');
    expect(h.sandbox.stats().codeReplays).toBe(1);
  });

  it('refuses a redirect_uri different from the authorization request, or a missing one', async () => {
    const h = await createHarness();
    const client = await register(h, { redirect_uris: [REDIRECT_URI, 'https://app.example/cb'] });
    const other = await tokenRequest(h, {
      grant_type: 'authorization_code',
      code: await codeFor(h, client),
      redirect_uri: 'https://app.example/cb',
      ...postAuth(client),
    });
    expect(other.json().error).toBe('invalid_grant');
    const missing = await tokenRequest(h, {
      grant_type: 'authorization_code',
      code: await codeFor(h, client),
      ...postAuth(client),
    });
    expect(missing.json().error).toBe('invalid_grant');
  });

  it('refuses an expired code', async () => {
    const h = await createHarness({ codeTtlS: 60 });
    const client = await register(h);
    const code = await codeFor(h, client);
    h.advance(60_000);
    const res = await tokenRequest(h, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      ...postAuth(client),
    });
    expect(res.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: 'the authorization code expired',
    });
  });

  it('refuses a code issued to another client without consuming it', async () => {
    const h = await createHarness();
    const owner = await register(h);
    const thief = await register(h);
    const code = await codeFor(h, owner);
    const stolen = await tokenRequest(h, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      ...postAuth(thief),
    });
    expect(stolen.json().error).toBe('invalid_grant');
    const legit = await tokenRequest(h, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      ...postAuth(owner),
    });
    expect(legit.statusCode).toBe(200);
  });

  describe('PKCE (RFC 7636 §4.6)', () => {
    it('accepts the matching verifier', async () => {
      const h = await createHarness();
      const client = await register(h);
      const { verifier, challenge } = pkcePair();
      const code = await codeFor(h, client, { code_challenge: challenge, code_challenge_method: 'S256' });
      const res = await tokenRequest(h, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
        ...postAuth(client),
      });
      expect(res.statusCode).toBe(200);
    });

    it.each([
      ['a wrong verifier', () => pkcePair().verifier],
      ['no verifier', () => undefined],
      ['a malformed verifier', () => 'short'],
    ])('refuses %s', async (_name, verifierOf) => {
      const h = await createHarness();
      const client = await register(h);
      const { challenge } = pkcePair();
      const code = await codeFor(h, client, { code_challenge: challenge, code_challenge_method: 'S256' });
      const verifier = verifierOf();
      const res = await tokenRequest(h, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        ...(verifier === undefined ? {} : { code_verifier: verifier }),
        ...postAuth(client),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_grant');
    });

    it('refuses a verifier when the authorization request had no challenge', async () => {
      const h = await createHarness();
      const client = await register(h);
      const code = await codeFor(h, client);
      const res = await tokenRequest(h, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: pkcePair().verifier,
        ...postAuth(client),
      });
      expect(res.json().error).toBe('invalid_grant');
    });
  });
});

describe('token endpoint: refresh_token grant (RFC 6749 §6)', () => {
  it('rotates: each refresh returns a new refresh token and kills the old one', async () => {
    const h = await createHarness();
    const client = await register(h);
    const first = await obtainTokens(h, client);
    const res = await refresh(h, client, first.refresh_token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const second = res.json();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.scope).toBe('read profile');
    const third = await refresh(h, client, second.refresh_token);
    expect(third.statusCode).toBe(200);
    expect(h.sandbox.stats().refreshes).toBe(2);
    const old = await refresh(h, client, second.refresh_token);
    expect(old.statusCode).toBe(400);
    expect(old.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringContaining('already used'),
    });
  });

  it('revokes the whole family when a rotated refresh token is presented again (reuse detection)', async () => {
    const h = await createHarness();
    const client = await register(h);
    const first = await obtainTokens(h, client);
    const second = (await refresh(h, client, first.refresh_token)).json();
    const reuse = await refresh(h, client, first.refresh_token);
    expect(reuse.statusCode).toBe(400);
    expect(reuse.json().error).toBe('invalid_grant');
    expect((await refresh(h, client, second.refresh_token)).json().error).toBe('invalid_grant');
    expect((await api(h, '/me', second.access_token)).statusCode).toBe(401);
    expect(h.sandbox.stats()).toMatchObject({ refreshes: 1, refreshTokenReuses: 1 });
  });

  it('forgets a rotated refresh token a day after its rotation: still refused, the grant survives', async () => {
    const h = await createHarness();
    const client = await register(h);
    const first = await obtainTokens(h, client);
    const second = (await refresh(h, client, first.refresh_token)).json();
    h.advance(24 * 3600_000 + 1);
    const third = (await refresh(h, client, second.refresh_token)).json();
    const late = await refresh(h, client, first.refresh_token);
    expect(late.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: 'the refresh token is unknown',
    });
    expect((await refresh(h, client, third.refresh_token)).statusCode).toBe(200);
  });

  it('lets a refresh narrow the scope but not widen it', async () => {
    const h = await createHarness();
    const client = await register(h);
    const tokens = await obtainTokens(h, client, 'read write');
    const wider = await refresh(h, client, tokens.refresh_token, { scope: 'read write profile' });
    expect(wider.json().error).toBe('invalid_scope');
    const narrower = await refresh(h, client, tokens.refresh_token, { scope: 'read' });
    expect(narrower.json().scope).toBe('read');
    expect(
      (await api(h, '/advertisements', narrower.json().access_token, { method: 'POST', body: {} }))
        .statusCode,
    ).toBe(403);
    const back = await refresh(h, client, narrower.json().refresh_token);
    expect(back.json().scope).toBe('read write');
  });

  it("refuses another client's refresh token, and an access token", async () => {
    const h = await createHarness();
    const owner = await register(h);
    const other = await register(h);
    const tokens = await obtainTokens(h, owner);
    expect((await refresh(h, other, tokens.refresh_token)).json().error).toBe('invalid_grant');
    expect((await refresh(h, owner, tokens.access_token)).json().error).toBe('invalid_grant');
    expect((await refresh(h, owner, tokens.refresh_token)).statusCode).toBe(200);
  });

  it('expires a refresh token left unused for refreshTokenIdleTtlS', async () => {
    const h = await createHarness({ refreshTokenIdleTtlS: 100 });
    const client = await register(h);
    const tokens = await obtainTokens(h, client);
    h.advance(99_000);
    const next = (await refresh(h, client, tokens.refresh_token)).json();
    h.advance(100_000);
    expect((await refresh(h, client, next.refresh_token)).json().error).toBe('invalid_grant');
  });
});

describe('access-token lifetime', () => {
  it('honours a per-client lifetime: the token stops working once expired', async () => {
    const h = await createHarness();
    const client = await register(h, { access_token_ttl_s: 2 });
    const tokens = await obtainTokens(h, client);
    expect(tokens.expires_in).toBe(2);
    h.advance(1_999);
    expect((await api(h, '/me', tokens.access_token)).statusCode).toBe(200);
    h.advance(1);
    const expired = await api(h, '/me', tokens.access_token);
    expect(expired.statusCode).toBe(401);
    expect(expired.headers['www-authenticate']).toContain('The access token expired');
    const refreshed = (await refresh(h, client, tokens.refresh_token)).json();
    expect((await api(h, '/me', refreshed.access_token)).statusCode).toBe(200);
  });

  it('uses the accessTokenTtlS option by default', async () => {
    const h = await createHarness({ accessTokenTtlS: 300 });
    const client = await register(h);
    expect((await obtainTokens(h, client)).expires_in).toBe(300);
  });
});

import { describe, expect, it } from 'vitest';
import {
  authorize,
  basicAuth,
  createHarness,
  PREFIX,
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

describe('token endpoint: client authentication (RFC 6749 §2.3.1)', () => {
  const secret = 'a b/+:%&=c';

  it('accepts HTTP Basic with each part form-url-encoded, for a secret with reserved characters', async () => {
    const h = await createHarness();
    const client = await register(h, {
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret: secret,
    });
    const code = await codeFor(h, client);
    const res = await tokenRequest(
      h,
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI },
      { authorization: basicAuth(client.client_id, secret) },
    );
    expect(res.statusCode).toBe(200);
  });

  it('refuses HTTP Basic whose parts were not form-url-encoded, with WWW-Authenticate', async () => {
    const h = await createHarness();
    const client = await register(h, {
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret: secret,
    });
    const code = await codeFor(h, client);
    const res = await tokenRequest(
      h,
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI },
      { authorization: basicAuth(client.client_id, secret, false) },
    );
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_client');
    expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    const plusOnly = await register(h, {
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret: 'x+y',
    });
    const res2 = await tokenRequest(
      h,
      { grant_type: 'refresh_token', refresh_token: 'r' },
      { authorization: basicAuth(plusOnly.client_id, 'x+y', false) },
    );
    expect(res2.statusCode).toBe(401);
  });

  it('accepts client_id and client_secret in the body, the secret form-encoded by URLSearchParams', async () => {
    const h = await createHarness();
    const client = await register(h, { client_secret: secret });
    const code = await codeFor(h, client);
    const res = await tokenRequest(h, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: client.client_id,
      client_secret: secret,
    });
    expect(res.statusCode).toBe(200);
  });

  it('refuses the method the client did not register', async () => {
    const h = await createHarness();
    const basicClient = await register(h, { token_endpoint_auth_method: 'client_secret_basic' });
    const viaBody = await tokenRequest(h, {
      grant_type: 'authorization_code',
      code: await codeFor(h, basicClient),
      redirect_uri: REDIRECT_URI,
      ...postAuth(basicClient),
    });
    expect(viaBody.statusCode).toBe(401);
    expect(viaBody.headers['www-authenticate']).toBeUndefined();
    const postClient = await register(h);
    const viaBasic = await tokenRequest(
      h,
      { grant_type: 'authorization_code', code: await codeFor(h, postClient), redirect_uri: REDIRECT_URI },
      { authorization: basicAuth(postClient.client_id, postClient.client_secret) },
    );
    expect(viaBasic.statusCode).toBe(401);
    expect(viaBasic.headers['www-authenticate']).toMatch(/^Basic /);
  });

  it('refuses both methods at once', async () => {
    const h = await createHarness();
    const client = await register(h, { token_endpoint_auth_method: 'client_secret_basic' });
    const res = await tokenRequest(
      h,
      {
        grant_type: 'authorization_code',
        code: await codeFor(h, client),
        redirect_uri: REDIRECT_URI,
        client_secret: client.client_secret,
      },
      { authorization: basicAuth(client.client_id, client.client_secret) },
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });

  it('refuses no authentication, an unknown client and a wrong secret', async () => {
    const h = await createHarness();
    const client = await register(h);
    const code = await codeFor(h, client);
    const base = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI };
    for (const extra of [
      {},
      { client_id: client.client_id } as Record<string, string>,
      { client_id: 'sbx-nobody', client_secret: 'x' },
      { client_id: client.client_id, client_secret: `${client.client_secret}x` },
    ]) {
      const res = await tokenRequest(h, { ...base, ...extra });
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('invalid_client');
    }
    // The code was not consumed by those failures.
    expect((await tokenRequest(h, { ...base, ...postAuth(client) })).statusCode).toBe(200);
    expect(h.sandbox.stats().tokenRequests.errors.invalid_client).toBe(4);
  });
});

describe('token endpoint: request format', () => {
  it('accepts only a form body', async () => {
    const h = await createHarness();
    const client = await register(h);
    const res = await h.app.inject({
      method: 'POST',
      url: `${PREFIX}/oauth/token`,
      payload: { grant_type: 'refresh_token', refresh_token: 'x', ...postAuth(client) },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
    const xml = await h.app.inject({
      method: 'POST',
      url: `${PREFIX}/oauth/token`,
      headers: { 'content-type': 'text/xml' },
      payload: '<x/>',
    });
    expect(xml.statusCode).toBe(400);
    expect(xml.json().error).toBe('invalid_request');
  });

  it('refuses a repeated parameter', async () => {
    const h = await createHarness();
    const client = await register(h);
    const res = await h.app.inject({
      method: 'POST',
      url: `${PREFIX}/oauth/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=refresh_token&refresh_token=a&refresh_token=b&client_id=${client.client_id}&client_secret=${encodeURIComponent(client.client_secret)}`,
    });
    expect(res.json().error).toBe('invalid_request');
  });

  it('answers unsupported_grant_type and invalid_request for a missing grant_type', async () => {
    const h = await createHarness();
    const client = await register(h);
    const password = await tokenRequest(h, {
      grant_type: 'password',
      username: 'u',
      password: 'p',
      ...postAuth(client),
    });
    expect(password.statusCode).toBe(400);
    expect(password.json().error).toBe('unsupported_grant_type');
    const none = await tokenRequest(h, { ...postAuth(client) });
    expect(none.json().error).toBe('invalid_request');
    expect(h.sandbox.stats().tokenRequests.byGrantType.unsupported).toEqual({ ok: 0, error: 2 });
  });

  it('answers unauthorized_client for a grant the client did not register, and omits refresh tokens then', async () => {
    const h = await createHarness();
    const client = await register(h, { grant_types: ['authorization_code'] });
    const code = await codeFor(h, client);
    const tokens = (
      await tokenRequest(h, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        ...postAuth(client),
      })
    ).json();
    expect(tokens.refresh_token).toBeUndefined();
    const res = await refresh(h, client, 'whatever');
    expect(res.json().error).toBe('unauthorized_client');
  });
});

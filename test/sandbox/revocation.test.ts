import { describe, expect, it } from 'vitest';
import {
  api,
  authorize,
  basicAuth,
  createHarness,
  obtainTokens,
  PREFIX,
  REDIRECT_URI,
  refresh,
  register,
  tokenRequest,
  type Harness,
} from './helpers.js';

function revoke(h: Harness, params: Record<string, string>, headers: Record<string, string> = {}) {
  return h.app.inject({
    method: 'POST',
    url: `${PREFIX}/oauth/revoke`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(params).toString(),
  });
}

describe('revocation endpoint (RFC 7009)', () => {
  it('revoking a refresh token also revokes the access tokens issued with it', async () => {
    const h = await createHarness();
    const client = await register(h);
    const tokens = await obtainTokens(h, client);
    const res = await revoke(h, {
      token: tokens.refresh_token,
      token_type_hint: 'refresh_token',
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect((await api(h, '/me', tokens.access_token)).statusCode).toBe(401);
    expect((await refresh(h, client, tokens.refresh_token)).json().error).toBe('invalid_grant');
    expect(h.sandbox.stats().revocations).toEqual({ requests: 1, tokensRevoked: 2 });
  });

  it('revoking an access token leaves the refresh token working', async () => {
    const h = await createHarness();
    const client = await register(h, { token_endpoint_auth_method: 'client_secret_basic' });
    const basic = { authorization: basicAuth(client.client_id, client.client_secret) };
    const code = (await authorize(h, client.client_id)).get('code')!;
    const tokens = (
      await tokenRequest(h, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, basic)
    ).json();
    const res = await revoke(h, { token: tokens.access_token, token_type_hint: 'refresh_token' }, basic);
    expect(res.statusCode).toBe(200);
    expect((await api(h, '/me', tokens.access_token)).statusCode).toBe(401);
    const refreshed = await tokenRequest(
      h,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
      basic,
    );
    expect(refreshed.statusCode).toBe(200);
  });

  it("answers 200 for another client's token without revoking it", async () => {
    const h = await createHarness();
    const owner = await register(h);
    const other = await register(h);
    const tokens = await obtainTokens(h, owner);
    const res = await revoke(h, {
      token: tokens.refresh_token,
      client_id: other.client_id,
      client_secret: other.client_secret,
    });
    expect(res.statusCode).toBe(200);
    expect((await api(h, '/me', tokens.access_token)).statusCode).toBe(200);
    expect((await refresh(h, owner, tokens.refresh_token)).statusCode).toBe(200);
    expect(h.sandbox.stats().revocations).toEqual({ requests: 1, tokensRevoked: 0 });
  });

  it('answers 200 for an unknown token', async () => {
    const h = await createHarness();
    const client = await register(h);
    const res = await revoke(h, {
      token: 'no-such-token',
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    expect(res.statusCode).toBe(200);
  });

  it('requires the token parameter and client authentication', async () => {
    const h = await createHarness();
    const client = await register(h);
    const tokens = await obtainTokens(h, client);
    const missing = await revoke(h, { client_id: client.client_id, client_secret: client.client_secret });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toBe('invalid_request');
    const anonymous = await revoke(h, { token: tokens.refresh_token });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error).toBe('invalid_client');
    const wrong = await revoke(h, {
      token: tokens.refresh_token,
      client_id: client.client_id,
      client_secret: 'wrong',
    });
    expect(wrong.statusCode).toBe(401);
    expect((await api(h, '/me', tokens.access_token)).statusCode).toBe(200);
  });
});

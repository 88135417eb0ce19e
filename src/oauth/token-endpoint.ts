/**
 * Calls to the provider's token and revocation endpoints on oauth4webapi: each returns a typed outcome
 * (`{ok: true, …}` or `{ok: false, failure}`), never throws for a provider problem.
 */
import * as oauth from 'oauth4webapi';
import type { Connector } from '../connectors/index.js';
import { classifyProviderError, failureFromStatus, type ProviderFailure } from './failures.js';
import { authorizationServerFor, clientAuthFor, requestOptions, type CallOptions } from './provider.js';

export interface TokenSet {
  accessToken: string;
  /** Absent when the provider did not return one (a refresh keeps the previous refresh token then). */
  refreshToken: string | null;
  tokenType: string;
  /** Seconds, as the provider said; null when it did not say. */
  expiresIn: number | null;
  scope: string | null;
}

export type TokenOutcome = { ok: true; tokens: TokenSet } | { ok: false; failure: ProviderFailure };

export interface ClientCredentials {
  connector: Connector;
  clientId: string;
  clientSecret: string;
}

function toTokenSet(r: oauth.TokenEndpointResponse): TokenSet {
  return {
    accessToken: r.access_token,
    refreshToken: typeof r.refresh_token === 'string' && r.refresh_token ? r.refresh_token : null,
    tokenType: r.token_type,
    expiresIn:
      typeof r.expires_in === 'number' && Number.isFinite(r.expires_in) && r.expires_in > 0
        ? r.expires_in
        : null,
    scope: typeof r.scope === 'string' ? r.scope : null,
  };
}

/** RFC 6749 §4.1.3: exchange the authorization code (with the PKCE verifier when one was sent). */
export async function exchangeCode(
  client: ClientCredentials,
  callbackParams: URLSearchParams,
  redirectUri: string,
  codeVerifier: string | null,
  call: CallOptions,
): Promise<TokenOutcome> {
  const as = authorizationServerFor(client.connector);
  const what = 'the token endpoint';
  try {
    const res = await oauth.authorizationCodeGrantRequest(
      as,
      { client_id: client.clientId },
      clientAuthFor(client.connector, client.clientSecret),
      callbackParams,
      redirectUri,
      codeVerifier ?? oauth.nopkce,
      requestOptions(client.connector.auth.tokenUrl, call),
    );
    const status = failureFromStatus(res, what);
    if (status) return { ok: false, failure: status };
    return {
      ok: true,
      tokens: toTokenSet(
        await oauth.processAuthorizationCodeResponse(as, { client_id: client.clientId }, res),
      ),
    };
  } catch (err) {
    return { ok: false, failure: classifyProviderError(err, what) };
  }
}

/** RFC 6749 §6: a refresh-token grant. */
export async function refreshGrant(
  client: ClientCredentials,
  refreshToken: string,
  call: CallOptions,
): Promise<TokenOutcome> {
  const as = authorizationServerFor(client.connector);
  const what = 'the token endpoint';
  try {
    const res = await oauth.refreshTokenGrantRequest(
      as,
      { client_id: client.clientId },
      clientAuthFor(client.connector, client.clientSecret),
      refreshToken,
      requestOptions(client.connector.auth.tokenUrl, call),
    );
    const status = failureFromStatus(res, what);
    if (status) return { ok: false, failure: status };
    return {
      ok: true,
      tokens: toTokenSet(await oauth.processRefreshTokenResponse(as, { client_id: client.clientId }, res)),
    };
  } catch (err) {
    return { ok: false, failure: classifyProviderError(err, what) };
  }
}

/** RFC 7009: revoke a token. A connector without a revocation endpoint answers `{ok: false, unsupported}`. */
export async function revokeAtProvider(
  client: ClientCredentials,
  token: string,
  hint: 'refresh_token' | 'access_token',
  call: CallOptions,
): Promise<{ ok: true } | { ok: false; unsupported: boolean; failure?: ProviderFailure }> {
  const url = client.connector.auth.revocationUrl;
  if (!url) return { ok: false, unsupported: true };
  const as = authorizationServerFor(client.connector);
  const what = 'the revocation endpoint';
  try {
    const res = await oauth.revocationRequest(
      as,
      { client_id: client.clientId },
      clientAuthFor(client.connector, client.clientSecret),
      token,
      {
        ...requestOptions(url, call),
        additionalParameters: { token_type_hint: hint },
      },
    );
    const status = failureFromStatus(res, what);
    if (status) return { ok: false, unsupported: false, failure: status };
    await oauth.processRevocationResponse(res);
    return { ok: true };
  } catch (err) {
    return { ok: false, unsupported: false, failure: classifyProviderError(err, what) };
  }
}

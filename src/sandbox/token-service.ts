/**
 * The authorization server's decisions, without HTTP: client authentication (RFC 6749 §2.3.1), the
 * `authorization_code` grant (§4.1.3, RFC 7636 §4.6), the `refresh_token` grant with rotation and reuse
 * detection (§6, RFC 9700 §4.14.2), revocation (RFC 7009 §2) and access-token checks (RFC 6750).
 * Expected refusals are returned as values; the routes turn them into responses.
 */
import type { FaultState } from './faults.js';
import {
  checkPkce,
  formatScope,
  isSubset,
  matchesDigest,
  parseBasicAuthorization,
  parseScope,
  type ClientAuthMethod,
} from './protocol.js';
import type { StatsRecorder } from './stats.js';
import type { ClientRecord, FamilyRecord, SandboxStore, TokenRecord } from './store.js';

export interface OAuthFailure {
  error: string;
  description: string;
  status: number;
  /** The client tried HTTP Basic: a 401 carries `WWW-Authenticate: Basic` (RFC 6749 §5.2). */
  basic?: boolean;
}

export type Params = Readonly<Record<string, string | undefined>>;

/** RFC 6749 §5.1 (refresh_token is omitted for a client not registered for that grant). */
export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: OAuthFailure };

const fail = (
  error: string,
  description: string,
  status = 400,
  basic?: boolean,
): { ok: false; failure: OAuthFailure } => ({
  ok: false,
  failure: basic === undefined ? { error, description, status } : { error, description, status, basic },
});

// Compared against when the client is unknown, so that the answer takes the same time.
const UNKNOWN_CLIENT_DIGEST = 'x'.repeat(43);

export interface TokenServiceOptions {
  store: SandboxStore;
  stats: StatsRecorder;
  faults: FaultState;
  clock: () => number;
  accessTokenTtlS: number;
  refreshTokenIdleTtlS: number;
}

export class TokenService {
  constructor(private readonly o: TokenServiceOptions) {}

  /**
   * Authenticate the client by HTTP Basic or by `client_id` + `client_secret` in the body — exactly one of
   * them, and the one it registered (`token_endpoint_auth_method`).
   */
  authenticate(authorization: string | undefined, params: Params): Outcome<ClientRecord> {
    const basic = authorization === undefined ? null : parseBasicAuthorization(authorization);
    if (basic === 'malformed')
      return fail('invalid_client', 'the Basic authorization header cannot be decoded', 401, true);
    let clientId: string;
    let secret: string;
    let method: ClientAuthMethod;
    if (basic) {
      if (params.client_secret !== undefined) {
        return fail(
          'invalid_request',
          'use one client authentication method, not both HTTP Basic and client_secret',
        );
      }
      if (params.client_id !== undefined && params.client_id !== basic.clientId) {
        return fail('invalid_request', 'client_id differs from the client of the Basic authorization header');
      }
      ({ clientId, clientSecret: secret } = basic);
      method = 'client_secret_basic';
    } else if (params.client_secret !== undefined && params.client_id !== undefined) {
      clientId = params.client_id;
      secret = params.client_secret;
      method = 'client_secret_post';
    } else {
      return fail(
        'invalid_client',
        'client authentication is required (HTTP Basic or client_id and client_secret)',
        401,
      );
    }
    const client = this.o.store.getClient(clientId);
    const secretOk = matchesDigest(secret, client?.secretDigest ?? UNKNOWN_CLIENT_DIGEST);
    if (!client || !secretOk)
      return fail('invalid_client', 'client authentication failed', 401, method === 'client_secret_basic');
    if (client.tokenEndpointAuthMethod !== method) {
      return fail(
        'invalid_client',
        `the client is registered for ${client.tokenEndpointAuthMethod}`,
        401,
        method === 'client_secret_basic',
      );
    }
    return { ok: true, value: client };
  }

  /** RFC 6749 §3.2: authenticate the client, then run the grant it asks for. */
  grant(authorization: string | undefined, params: Params): Outcome<TokenResponse> {
    const auth = this.authenticate(authorization, params);
    if (!auth.ok) return auth;
    const client = auth.value;
    const grantType = params.grant_type;
    if (grantType === undefined) return fail('invalid_request', 'grant_type is required');
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      return fail('unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
    if (!client.grantTypes.includes(grantType)) {
      return fail('unauthorized_client', `the client is not registered for ${grantType}`);
    }
    return grantType === 'authorization_code'
      ? this.exchangeCode(client, params)
      : this.refresh(client, params);
  }

  /** RFC 6749 §4.1.3: redeem a code once; a replay revokes what it produced (§4.1.2). */
  exchangeCode(client: ClientRecord, params: Params): Outcome<TokenResponse> {
    const { store } = this.o;
    if (params.code === undefined) return fail('invalid_request', 'code is required');
    const code = store.findCode(params.code);
    if (!code) return fail('invalid_grant', 'the authorization code is unknown or expired');
    if (code.clientId !== client.clientId)
      return fail('invalid_grant', 'the authorization code was issued to another client');
    if (code.usedAt !== null) {
      this.o.stats.codeReplay();
      if (code.familyId) store.revokeFamily(code.familyId);
      return fail(
        'invalid_grant',
        'the authorization code was already used; the tokens issued from it are revoked',
      );
    }
    store.markCodeUsed(code, null);
    if (this.o.clock() >= code.expiresAt) return fail('invalid_grant', 'the authorization code expired');
    const redirectOk = code.redirectUriSent
      ? params.redirect_uri === code.redirectUri
      : params.redirect_uri === undefined || params.redirect_uri === code.redirectUri;
    if (!redirectOk)
      return fail('invalid_grant', 'redirect_uri does not match the one of the authorization request');
    switch (checkPkce(code.codeChallenge, params.code_verifier)) {
      case 'verifier_missing':
        return fail(
          'invalid_grant',
          'code_verifier is required: the authorization request had a code_challenge',
        );
      case 'verifier_unexpected':
        return fail(
          'invalid_grant',
          'code_verifier was sent but the authorization request had no code_challenge',
        );
      case 'verifier_malformed':
        return fail('invalid_grant', 'code_verifier must be 43–128 characters of [A-Za-z0-9-._~]');
      case 'mismatch':
        return fail('invalid_grant', 'code_verifier does not match the code_challenge');
      case 'ok':
        break;
    }
    const family = store.createFamily(client.clientId, code.scope);
    code.familyId = family.id;
    return { ok: true, value: this.issue(client, family, code.scope) };
  }

  /** RFC 6749 §6 with rotation: the presented refresh token dies; presenting it again revokes the family. */
  refresh(client: ClientRecord, params: Params): Outcome<TokenResponse> {
    const { store } = this.o;
    if (params.refresh_token === undefined) return fail('invalid_request', 'refresh_token is required');
    const token = store.findToken(params.refresh_token);
    if (!token || token.kind !== 'refresh') return fail('invalid_grant', 'the refresh token is unknown');
    if (token.clientId !== client.clientId)
      return fail('invalid_grant', 'the refresh token was issued to another client');
    switch (store.status(token)) {
      case 'rotated':
        this.o.stats.refreshTokenReuse();
        store.revokeFamily(token.familyId);
        return fail(
          'invalid_grant',
          'the refresh token was already used; every token of this grant is now revoked',
        );
      case 'revoked':
        return fail('invalid_grant', 'the refresh token was revoked');
      case 'expired':
        return fail('invalid_grant', 'the refresh token expired (unused for too long)');
      case 'active':
        break;
    }
    const family = store.getFamily(token.familyId);
    if (!family) return fail('invalid_grant', 'the refresh token is unknown');
    let scope = family.scope;
    if (params.scope !== undefined) {
      const requested = parseScope(params.scope);
      if (!requested || !isSubset(requested, family.scope)) {
        return fail(
          'invalid_scope',
          `the requested scope exceeds the granted scope "${formatScope(family.scope)}"`,
        );
      }
      scope = requested;
    }
    store.markRotated(token);
    return { ok: true, value: this.issue(client, family, scope) };
  }

  /**
   * RFC 7009 §2.1–2.2: revoke a token of this client. A refresh token takes its whole family (and so the
   * access tokens issued with it); an unknown token, or another client's, is answered the same way and
   * left alone. Returns how many live tokens were revoked.
   */
  revoke(client: ClientRecord, params: Params): Outcome<number> {
    if (params.token === undefined) return fail('invalid_request', 'token is required');
    const token = this.o.store.findToken(params.token);
    if (!token || token.clientId !== client.clientId) return { ok: true, value: 0 };
    const revoked =
      token.kind === 'refresh'
        ? this.o.store.revokeFamily(token.familyId)
        : this.o.store.revokeAccessToken(token);
    return { ok: true, value: revoked };
  }

  /** RFC 6750 §3.1: a usable access token, or why not. */
  verifyAccessToken(value: string): { ok: true; token: TokenRecord } | { ok: false; description: string } {
    const token = this.o.store.findToken(value);
    if (!token || token.kind !== 'access') return { ok: false, description: 'The access token is unknown' };
    switch (this.o.store.status(token)) {
      case 'active':
        return { ok: true, token };
      case 'expired':
        return { ok: false, description: 'The access token expired' };
      default:
        return { ok: false, description: 'The access token was revoked' };
    }
  }

  /** The access-token lifetime for a client: its own override, else the fault override, else the default. */
  accessTokenTtlS(client: ClientRecord): number {
    return client.accessTokenTtlS ?? this.o.faults.accessTokenTtlS ?? this.o.accessTokenTtlS;
  }

  private issue(client: ClientRecord, family: FamilyRecord, scope: string[]): TokenResponse {
    const ttlS = this.accessTokenTtlS(client);
    const accessToken = this.o.store.issueToken('access', family, scope, ttlS * 1000);
    const refreshToken = client.grantTypes.includes('refresh_token')
      ? this.o.store.issueToken('refresh', family, family.scope, this.o.refreshTokenIdleTtlS * 1000)
      : undefined;
    return {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: ttlS,
      ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
      scope: formatScope(scope),
    };
  }
}

/** The authorization request (RFC 6749 §4.1.1, RFC 7636) and return-address rules, as pure functions. */
import type { Connector } from '../connectors/index.js';

/**
 * The scope to request: the credential's own (split on spaces or commas, joined by the connector's
 * separator), else the connector's defaults, else none (the parameter is omitted).
 */
export function resolveScope(requested: string | null, connector: Connector): string | null {
  const parts = requested ? requested.split(/[\s,]+/).filter(Boolean) : connector.auth.defaultScopes;
  return parts.length ? parts.join(connector.auth.scopeSeparator) : null;
}

export interface AuthorizationRequest {
  connector: Connector;
  clientId: string;
  redirectUri: string;
  scope: string | null;
  state: string;
  codeChallenge: string | null;
}

export function buildAuthorizationUrl(r: AuthorizationRequest): string {
  const url = new URL(r.connector.auth.authorizationUrl);
  // Connector-specific extras first, so that the protocol parameters below always win.
  for (const [k, v] of Object.entries(r.connector.auth.authorizationParams)) url.searchParams.set(k, v);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', r.clientId);
  url.searchParams.set('redirect_uri', r.redirectUri);
  if (r.scope) url.searchParams.set('scope', r.scope);
  else url.searchParams.delete('scope');
  url.searchParams.set('state', r.state);
  if (r.codeChallenge) {
    url.searchParams.set('code_challenge', r.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url.toString();
}

/**
 * A return address is accepted only as a same-origin path: a relative path (`/x`, never `//host` or
 * `/\host`), or an absolute URL of the public origin, turned into its path. Anything else is null.
 */
export function safeReturnTo(input: string, publicUrl: string): string | null {
  const origin = new URL(publicUrl).origin;
  // eslint-disable-next-line no-control-regex
  if (!input || input.length > 2000 || /[\u0000-\u001f\u007f\\]/.test(input)) return null;
  let resolved: URL;
  try {
    resolved = new URL(input, origin + '/');
  } catch {
    return null;
  }
  if (resolved.origin !== origin) return null;
  if (!input.startsWith('/') && !input.startsWith(origin + '/') && input !== origin) return null;
  if (input.startsWith('//')) return null;
  return resolved.pathname + resolved.search + resolved.hash;
}

/** Append the outcome of an authorization to a (safe) return path. */
export function returnUrlWithOutcome(
  returnTo: string,
  outcome: {
    result: 'authorized' | 'denied' | 'error';
    credentialId: string;
    errorCode?: string;
    errorMessage?: string;
  },
): string {
  const u = new URL(returnTo, 'http://placeholder.invalid');
  u.searchParams.set('oauth_result', outcome.result);
  u.searchParams.set('credential_id', outcome.credentialId);
  if (outcome.errorCode) u.searchParams.set('error_code', outcome.errorCode);
  if (outcome.errorMessage) u.searchParams.set('error_message', outcome.errorMessage);
  return u.pathname + u.search + u.hash;
}

/**
 * Validation of an authorization request (RFC 6749 §4.1.1, §4.1.2.1; RFC 7636 §4.3). Problems with the
 * client or the redirect URI are shown to the user and never redirected (an attacker could otherwise use
 * the sandbox as an open redirector); every other problem is sent back to the client's redirect URI.
 */
import { DEFAULT_SCOPES, isS256Challenge, parseScope, SCOPES } from './protocol.js';
import type { ClientRecord } from './store.js';

export interface AuthorizationRequest {
  client: ClientRecord;
  redirectUri: string;
  redirectUriSent: boolean;
  scope: string[];
  state: string | undefined;
  codeChallenge: string | null;
}

export type AuthorizationCheck =
  | { kind: 'ok'; request: AuthorizationRequest }
  /** Shown as an error page, never redirected. */
  | { kind: 'page-error'; message: string }
  /** Sent back to the client: `redirectUri?error=…&state=…`. */
  | {
      kind: 'redirect-error';
      redirectUri: string;
      state: string | undefined;
      error: string;
      description: string;
    };

export function checkAuthorizationRequest(
  query: URLSearchParams,
  findClient: (clientId: string) => ClientRecord | undefined,
): AuthorizationCheck {
  // RFC 6749 §3.1: parameters without a value are treated as omitted; none may appear twice.
  const value = (name: string): string | undefined => query.get(name) || undefined;
  const repeated = [...new Set(query.keys())].filter((k) => query.getAll(k).length > 1);
  const pageError = (message: string): AuthorizationCheck => ({ kind: 'page-error', message });

  if (repeated.includes('client_id') || repeated.includes('redirect_uri')) {
    return pageError('The request names client_id or redirect_uri more than once.');
  }
  const clientId = value('client_id');
  if (clientId === undefined) return pageError('The request has no client_id.');
  const client = findClient(clientId);
  if (!client) return pageError('No application is registered with this client_id.');
  const sentRedirectUri = value('redirect_uri');
  let redirectUri: string;
  if (sentRedirectUri === undefined) {
    if (client.redirectUris.length !== 1) {
      return pageError('The request has no redirect_uri, and the application registered more than one.');
    }
    redirectUri = client.redirectUris[0]!;
  } else if (client.redirectUris.includes(sentRedirectUri)) {
    redirectUri = sentRedirectUri;
  } else {
    return pageError(
      'The redirect_uri does not exactly match any redirect URI registered for this application.',
    );
  }

  const state = value('state');
  const refuse = (error: string, description: string): AuthorizationCheck => ({
    kind: 'redirect-error',
    redirectUri,
    state: repeated.includes('state') ? undefined : state,
    error,
    description,
  });
  if (repeated.length) return refuse('invalid_request', `parameter ${repeated[0]} appears more than once`);

  const responseType = value('response_type');
  if (responseType === undefined) return refuse('invalid_request', 'response_type is required');
  if (responseType !== 'code')
    return refuse('unsupported_response_type', 'only response_type=code is supported');

  let scope: string[];
  const rawScope = value('scope');
  if (rawScope === undefined) {
    const defaults = DEFAULT_SCOPES.filter((s) => client.scope.includes(s));
    scope = defaults.length ? defaults : client.scope;
  } else {
    const requested = parseScope(rawScope);
    if (!requested) return refuse('invalid_scope', 'scope must be scope tokens separated by single spaces');
    const unknown = requested.filter((s) => !(SCOPES as readonly string[]).includes(s));
    if (unknown.length) return refuse('invalid_scope', `unknown scope: ${unknown.join(' ')}`);
    const notAllowed = requested.filter((s) => !client.scope.includes(s));
    if (notAllowed.length)
      return refuse('invalid_scope', `scope not allowed for this application: ${notAllowed.join(' ')}`);
    scope = requested;
  }

  const challenge = value('code_challenge');
  const method = value('code_challenge_method');
  if (method !== undefined && method !== 'S256')
    return refuse('invalid_request', 'code_challenge_method must be S256');
  if (challenge === undefined && method !== undefined) {
    return refuse('invalid_request', 'code_challenge_method was sent without code_challenge');
  }
  if (challenge !== undefined && method === undefined) {
    return refuse(
      'invalid_request',
      'code_challenge_method is required (the default, plain, is not supported)',
    );
  }
  if (challenge !== undefined && !isS256Challenge(challenge)) {
    return refuse('invalid_request', 'code_challenge must be 43 characters of base64url (an S256 digest)');
  }

  return {
    kind: 'ok',
    request: {
      client,
      redirectUri,
      redirectUriSent: sentRedirectUri !== undefined,
      scope,
      state,
      codeChallenge: challenge ?? null,
    },
  };
}

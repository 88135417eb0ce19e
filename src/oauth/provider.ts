/**
 * A connector's OAuth endpoints as oauth4webapi metadata, its client authentication, and request options.
 * Plain http:// is allowed only to loopback hosts (the sandbox, local test providers).
 */
import * as oauth from 'oauth4webapi';
import type { Connector } from '../connectors/index.js';
import { isLoopback, type Outbound } from '../outbound/index.js';

export function authorizationServerFor(connector: Connector): oauth.AuthorizationServer {
  const a = connector.auth;
  return {
    // Without a declared issuer the `iss` parameter is not checked (it is removed before validation), so
    // this placeholder is never compared with anything.
    issuer: a.issuer ?? new URL(a.authorizationUrl).origin,
    authorization_endpoint: a.authorizationUrl,
    token_endpoint: a.tokenUrl,
    ...(a.revocationUrl ? { revocation_endpoint: a.revocationUrl } : {}),
    ...(a.issuer ? { authorization_response_iss_parameter_supported: true } : {}),
  };
}

/** RFC 6749 §2.3.1 client authentication as the connector declares (oauth4webapi form-encodes Basic). */
export function clientAuthFor(connector: Connector, clientSecret: string): oauth.ClientAuth {
  return connector.auth.tokenEndpointAuthMethod === 'client_secret_basic'
    ? oauth.ClientSecretBasic(clientSecret)
    : oauth.ClientSecretPost(clientSecret);
}

export interface CallOptions {
  outbound: Outbound;
  /** Overall deadline of one provider call, in milliseconds. */
  timeoutMs: number;
  /** Headers to add (e.g. the request id that caused the call). */
  headers?: Record<string, string>;
}

export function requestOptions(endpoint: string, call: CallOptions): oauth.TokenEndpointRequestOptions {
  const url = new URL(endpoint);
  return {
    [oauth.customFetch]: call.outbound.fetch,
    ...(url.protocol === 'http:' && isLoopback(url) ? { [oauth.allowInsecureRequests]: true } : {}),
    signal: AbortSignal.timeout(call.timeoutMs),
    headers: call.headers,
  };
}

/**
 * Provider failures as typed values: what went wrong at the token or revocation endpoint, classified once
 * so the callback, the refresher and revocation record the same codes in `lastError`.
 */
import * as oauth from 'oauth4webapi';
import { classifyNetworkError } from '../outbound/index.js';

export type ProviderFailureKind =
  /** The provider answered an OAuth error (`invalid_grant`, `invalid_client`, …): permanent for this request. */
  | 'oauth_error'
  /** No answer in time. */
  | 'timeout'
  /** Could not connect, or the provider failed (5xx) or throttled (429): worth retrying later. */
  | 'unavailable'
  /** The provider answered something that is not a valid response (garbage, wrong shape). */
  | 'invalid_response';

export interface ProviderFailure {
  kind: ProviderFailureKind;
  /** The code recorded in `lastError.code`: the OAuth error, or provider_timeout / provider_unavailable / provider_invalid_response. */
  code: string;
  message: string;
  status?: number;
  retryAfterS?: number;
}

export function isTransient(f: ProviderFailure): boolean {
  return f.kind === 'timeout' || f.kind === 'unavailable';
}

function retryAfter(res: Response): number | undefined {
  const v = res.headers.get('retry-after');
  if (!v) return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return Math.max(0, n);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.round((at - Date.now()) / 1000));
}

/** A response status that means "try again later", before its body is even read. */
export function failureFromStatus(res: Response, what: string): ProviderFailure | null {
  if (res.status >= 500) {
    return {
      kind: 'unavailable',
      code: 'provider_unavailable',
      message: `${what} answered HTTP ${res.status}`,
      status: res.status,
      retryAfterS: retryAfter(res),
    };
  }
  if (res.status === 429) {
    return {
      kind: 'unavailable',
      code: 'provider_unavailable',
      message: `${what} is rate limiting (HTTP 429)`,
      status: 429,
      retryAfterS: retryAfter(res),
    };
  }
  return null;
}

const MAX_DESCRIPTION = 300;

/** A provider's free text made safe to store and show: no control characters (PostgreSQL refuses NUL), bounded. */
export function clip(s: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return clean.length > MAX_DESCRIPTION ? `${clean.slice(0, MAX_DESCRIPTION)}…` : clean;
}

/** Classify anything thrown while calling or processing a provider endpoint. */
export function classifyProviderError(err: unknown, what: string): ProviderFailure {
  if (err instanceof oauth.ResponseBodyError) {
    const code = /^[\x20-\x7e]{1,64}$/.test(err.error) ? err.error : 'provider_error';
    return {
      kind: 'oauth_error',
      code,
      message: err.error_description
        ? `${what}: ${code}: ${clip(err.error_description)}`
        : `${what} answered ${code}`,
      status: err.status,
    };
  }
  if (err instanceof oauth.WWWAuthenticateChallengeError) {
    const challenge = err.cause?.[0];
    const code = challenge?.parameters?.error ?? (err.status === 401 ? 'invalid_client' : 'provider_error');
    return {
      kind: 'oauth_error',
      code,
      message: `${what} refused the client authentication (HTTP ${err.status}${code ? `, ${code}` : ''}): check the Client ID and Client Secret`,
      status: err.status,
    };
  }
  if (err instanceof oauth.OperationProcessingError) {
    const status = (err.cause as { status?: number } | undefined)?.status;
    if (typeof status === 'number' && status >= 500) {
      return {
        kind: 'unavailable',
        code: 'provider_unavailable',
        message: `${what} answered HTTP ${status}`,
        status,
      };
    }
    return {
      kind: 'invalid_response',
      code: 'provider_invalid_response',
      message: `${what} answered an invalid response: ${clip(err.message)}`,
    };
  }
  if (err instanceof oauth.UnsupportedOperationError) {
    return {
      kind: 'invalid_response',
      code: 'provider_invalid_response',
      message: `${what}: ${clip(err.message)}`,
    };
  }
  const network = classifyNetworkError(err);
  return network === 'timeout'
    ? { kind: 'timeout', code: 'provider_timeout', message: `${what} did not answer in time` }
    : { kind: 'unavailable', code: 'provider_unavailable', message: `${what} could not be reached` };
}

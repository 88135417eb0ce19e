/**
 * The one list of API errors: a stable `code`, its HTTP status and what it means. Every error response is
 * `{"error":{"code","message"}}`; docs/errors.md documents each code (a test keeps the two in step).
 */
export const ERRORS = {
  validation_failed: {
    status: 400,
    doc: 'The request body, query or path did not match the schema; the message names the field.',
  },
  invalid_json: { status: 400, doc: 'The body is not valid JSON.' },
  unknown_connector: { status: 400, doc: 'No connector with that id exists in the catalog.' },
  unknown_resource: { status: 400, doc: 'The connector has no resource with that id.' },
  unsupported_resource: {
    status: 400,
    doc: 'The resource does not allow what is asked: a source needs `GET`, a destination `POST`.',
  },
  credential_mismatch: {
    status: 400,
    doc: 'The credential belongs to another connector than the source or destination.',
  },
  invalid_credentials: {
    status: 401,
    doc: 'Sign-in failed: wrong email or password (the message does not say which).',
  },
  unauthorized: { status: 401, doc: 'No valid API key or session was presented.' },
  forbidden: { status: 403, doc: 'The caller is authenticated but its role lacks the permission.' },
  csrf_failed: { status: 403, doc: 'A state-changing request from a session lacked a valid CSRF token.' },
  wrong_password: {
    status: 403,
    doc: 'Changing the password: the current password is wrong (repeated failures are throttled).',
  },
  not_found: { status: 404, doc: 'No such resource in the caller’s workspace.' },
  route_not_found: { status: 404, doc: 'No route matches the method and path.' },
  method_not_allowed: { status: 405, doc: 'The route exists but not with this method.' },
  not_acceptable: { status: 406, doc: 'The Accept header excludes JSON.' },
  conflict: { status: 409, doc: 'The request conflicts with the current state (for example a duplicate).' },
  credential_in_use: {
    status: 409,
    doc: 'The credential is used by sources or destinations; the message names them.',
  },
  credential_not_active: {
    status: 409,
    doc: 'The credential is not `active`; the message gives its status.',
  },
  refresh_unavailable: { status: 409, doc: 'The credential has no refresh token; authorize it again.' },
  run_not_finished: { status: 409, doc: 'The run has not finished yet.' },
  last_admin: {
    status: 409,
    doc: 'The change would leave the workspace without an admin; make another member admin first.',
  },
  payload_too_large: { status: 413, doc: 'The body exceeds the size limit.' },
  unsupported_media_type: { status: 415, doc: 'The body’s Content-Type is not accepted by this route.' },
  rate_limited: { status: 429, doc: 'Too many requests; retry after the `Retry-After` seconds.' },
  too_many_attempts: { status: 429, doc: 'Too many failed sign-ins; retry after the `Retry-After` seconds.' },
  state_invalid: {
    status: 400,
    doc: 'OAuth callback: the `state` is unknown, already used or expired; start the authorization again.',
  },
  issuer_mismatch: {
    status: 400,
    doc: 'OAuth callback: the `iss` parameter does not match the connector’s issuer (RFC 9207).',
  },
  session_mismatch: {
    status: 403,
    doc: 'OAuth callback: the flow was started from another signed-in session.',
  },
  provider_error: {
    status: 502,
    doc: 'The provider answered an OAuth error; the message carries its `error` code.',
  },
  provider_unavailable: {
    status: 502,
    doc: 'The provider could not be reached, failed (5xx) or answered something unreadable.',
  },
  provider_timeout: { status: 504, doc: 'The provider did not answer in time.' },
  upstream_error: {
    status: 502,
    doc: 'The connector’s API answered an error or something unreadable; the message has its status.',
  },
  upstream_unreachable: { status: 502, doc: 'Proxy: the connector’s API could not be reached.' },
  upstream_timeout: { status: 504, doc: 'Proxy: the connector’s API did not answer in time.' },
  reauthorization_required: {
    status: 409,
    doc: 'The credential’s refresh token no longer works; authorize it again.',
  },
  setup_complete: { status: 409, doc: 'An admin account exists already; sign in instead.' },
  internal_error: { status: 500, doc: 'An unexpected error; the server logged it with the request id.' },
  service_unavailable: {
    status: 503,
    doc: 'A dependency (the database) is unreachable, or the server is shutting down; retry.',
  },
} as const satisfies Record<string, { status: number; doc: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An expected failure that maps to an API error response. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERRORS[code].status;
  }
}

export function notFound(what: string): AppError {
  return new AppError('not_found', `${what} not found`);
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/**
 * One error style for the whole API: `{"error":{"code","message"}}` with the status of the code.
 * Validation errors name the field; unexpected errors are logged with the request id and answered
 * as a bland 500 (never with internals or secrets).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, errorBody, type ErrorCode, ERRORS } from './errors.js';

interface ValidationIssue {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: { keys?: string[] };
}

/** "body.name: must not be empty" — the first problem, named by where it is. */
function describeValidation(err: FastifyError): string {
  const where = err.validationContext ?? 'request';
  const first = (err.validation?.[0] ?? {}) as ValidationIssue;
  const path = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (first.keyword === 'unrecognized_keys' && first.params?.keys) {
    const keys = first.params.keys;
    return `${where}${path ? `.${path}` : ''}: unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`;
  }
  const message = first.message ?? 'is invalid';
  return path ? `${where}.${path}: ${message}` : `${where}: ${message}`;
}

/**
 * Connection-level database failures (PostgreSQL restarting or unreachable, SQLite locked): a dependency
 * is down, not a bug — answered 503 `service_unavailable`. Query errors (a constraint, bad SQL) stay 500.
 */
const DATABASE_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  // PostgreSQL SQLSTATE: admin/crash shutdown, starting up, connection exceptions, too many connections.
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);
const CONNECTION_LOST =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed/i;

function isDatabaseUnavailable(err: FastifyError): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && DATABASE_UNAVAILABLE.has(code)) return true;
  return CONNECTION_LOST.test(err.message ?? '');
}

/** The headers of one of Latchkey's own error responses (besides the security headers). */
export function errorHeaders(code: ErrorCode, extra: Record<string, string> = {}): Record<string, string> {
  // `latchkey-error` marks an error as Latchkey's own — through the proxy, a client can tell it from the
  // provider's answer.
  return { ...extra, 'latchkey-error': code, 'content-type': 'application/json; charset=utf-8' };
}

function send(
  reply: FastifyReply,
  code: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): FastifyReply {
  return reply.code(ERRORS[code].status).headers(errorHeaders(code, headers)).send(errorBody(code, message));
}

/**
 * What an error thrown by a handler is answered with, outside of Fastify's own errors (validation, bodies):
 * an AppError as itself, an unreachable database as 503, anything else as a bland 500 that names the request
 * (and is logged by the caller, `log: true`). Shared with the proxy's fast path.
 */
export function answerFor(
  err: unknown,
  requestId: string,
): { code: ErrorCode; message: string; headers: Record<string, string>; log: 'warn' | 'error' | null } {
  if (err instanceof AppError)
    return { code: err.code, message: err.message, headers: err.headers, log: null };
  if (err instanceof Error && isDatabaseUnavailable(err as FastifyError)) {
    return {
      code: 'service_unavailable',
      message: 'the database is unreachable; retry shortly',
      headers: { 'retry-after': '1' },
      log: 'warn',
    };
  }
  return {
    code: 'internal_error',
    message: `internal error (request ${requestId})`,
    headers: {},
    log: 'error',
  };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof AppError) return send(reply, err.code, err.message, err.headers);
    if (hasZodFastifySchemaValidationErrors(err) || err.validation) {
      return send(reply, 'validation_failed', describeValidation(err));
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err: { message: err.message } }, 'response did not match its schema');
      return send(reply, 'internal_error', `internal error (request ${req.id})`);
    }
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(reply, 'payload_too_large', 'request body is too large');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(
          reply,
          'unsupported_media_type',
          `unsupported Content-Type: ${req.headers['content-type'] ?? 'none'}`,
        );
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return send(reply, 'invalid_json', 'body is empty but Content-Type is application/json');
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return send(reply, 'invalid_json', 'body is not valid JSON');
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return send(reply, 'validation_failed', 'Content-Length does not match the body');
    }
    if (err.statusCode === 400 && err instanceof SyntaxError)
      return send(reply, 'invalid_json', 'body is not valid JSON');
    if (isDatabaseUnavailable(err)) {
      req.log.warn({ err: { message: err.message, code: err.code } }, 'database unavailable');
      const a = answerFor(err, req.id);
      return send(reply, a.code, a.message, a.headers);
    }
    if (err.statusCode === 429) return send(reply, 'rate_limited', err.message);
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return send(reply, 'validation_failed', err.message);
    }
    req.log.error({ err }, 'unhandled error');
    return send(reply, 'internal_error', `internal error (request ${req.id})`);
  });

  app.setNotFoundHandler((req, reply) =>
    send(reply, 'route_not_found', `no route ${req.method} ${req.url.split('?')[0]}`),
  );
}

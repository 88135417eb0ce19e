/**
 * One error type for everything the client can fail with. `code` is the server's `error.code` (the list in
 * error-codes.ts, generated from the server's error list) or one of the client's own codes below.
 */
import type { ServerErrorCode } from './error-codes.js';
import type { Run } from './types.js';

/** Failures that happen on the client's side of the wire, or that it reads off a run. */
export type ClientErrorCode =
  /** The server could not be reached (connection refused, DNS, TLS, reset). */
  | 'unreachable'
  /** The request did not finish within `timeoutMs`. */
  | 'timeout'
  /** The server answered an error without the `{"error":{"code","message"}}` body (e.g. a reverse proxy). */
  | 'http_error'
  /** `runSource`: the run failed and did not say why. */
  | 'run_failed'
  /** `runSource`: the run was cancelled (on the server, or through the `signal`). */
  | 'run_cancelled';

/** A code the client knows about. */
export type KnownErrorCode = ServerErrorCode | ClientErrorCode;

/**
 * `code` is typed as the known codes, but a newer server (or a failed run) may answer one this client does
 * not know yet: it is kept as it is rather than hidden.
 */
export type LatchkeyErrorCode = KnownErrorCode | (string & {});

export class LatchkeyError extends Error {
  /** The server's `error.code`, or a {@link ClientErrorCode}. */
  readonly code: LatchkeyErrorCode;
  /** The HTTP status, or null when no HTTP answer is behind the error (unreachable, timeout, a failed run). */
  readonly status: number | null;
  /** The server's `x-request-id` of the failed request (to find it in the server's logs), if any. */
  readonly requestId: string | null;

  constructor(
    code: LatchkeyErrorCode,
    status: number | null,
    message: string,
    options: { cause?: unknown; requestId?: string | null } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LatchkeyError';
    this.code = code;
    this.status = status;
    this.requestId = options.requestId ?? null;
  }
}

/** `runSource` rejects with this when the run ends `failed` or `cancelled`; `run` is the final run. */
export class LatchkeyRunError extends LatchkeyError {
  readonly run: Run;
  constructor(run: Run) {
    const code = run.error?.code ?? (run.status === 'cancelled' ? 'run_cancelled' : 'run_failed');
    super(code, null, `run ${run.id} ${run.status}${run.error ? `: ${run.error.message}` : ''}`);
    this.name = 'LatchkeyRunError';
    this.run = run;
  }
}

/** True when `err` is a {@link LatchkeyError}, optionally with this `code`. */
export function isLatchkeyError(err: unknown, code?: LatchkeyErrorCode): err is LatchkeyError {
  return err instanceof LatchkeyError && (code === undefined || err.code === code);
}

/** The error of an HTTP answer that was not a success: the API's error body when it has one. */
export function errorFromResponse(response: Response, body: unknown): LatchkeyError {
  const requestId = response.headers.get('x-request-id');
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (error && typeof error.code === 'string') {
    const message = typeof error.message === 'string' ? error.message : error.code;
    return new LatchkeyError(error.code, response.status, message, { requestId });
  }
  return new LatchkeyError(
    'http_error',
    response.status,
    `Latchkey answered HTTP ${response.status} ${response.statusText}`.trim(),
    { requestId },
  );
}

/** The error of a request that got no answer. Aborts by the caller's own signal pass through unchanged. */
export function errorFromFailure(err: unknown, baseUrl: string, callerSignal?: AbortSignal | null): unknown {
  if (err instanceof LatchkeyError) return err;
  if (callerSignal?.aborted) return err;
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError') {
    return new LatchkeyError('timeout', null, `Latchkey at ${baseUrl} did not answer in time`, {
      cause: err,
    });
  }
  if (name === 'AbortError') return err;
  if (err instanceof SyntaxError) {
    return new LatchkeyError(
      'http_error',
      null,
      `Latchkey at ${baseUrl} answered something that is not JSON`,
      {
        cause: err,
      },
    );
  }
  const detail = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return new LatchkeyError(
    'unreachable',
    null,
    `cannot reach Latchkey at ${baseUrl}${typeof detail === 'string' ? ` (${detail})` : ''}`,
    { cause: err },
  );
}

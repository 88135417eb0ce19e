/**
 * One call to a connector's API for a source or destination: the credential's Bearer token and the
 * connector's `api.headers`, through the outbound module with a deadline; on a 401 one forced refresh and
 * one retry; 429/5xx (and, for reads, network failures) retried with backoff that honours `Retry-After`.
 * Redirects are not followed (a token must not travel to another address). Outcomes are typed values.
 */
import type { OperationContext } from '../auth/principal.js';
import { AppError } from '../http/errors.js';
import { classifyNetworkError, type Outbound } from '../outbound/index.js';
import type { TokenService } from '../tokens/index.js';
import { parseProviderError, describeProviderError, type ProviderError } from './provider-error.js';
import { isRetryableStatus, parseRetryAfter, retryDelayMs, type RetryPolicy } from './retry.js';

export interface UpstreamDeps {
  outbound: Outbound;
  tokens: TokenService;
  timeoutMs: number;
  retry: RetryPolicy;
  clock: () => number;
}

export type UpstreamOutcome =
  | { ok: true; status: number; headers: Headers; text: string }
  | {
      ok: false;
      /** The API's HTTP status, or null when there was no answer (network, token). */
      status: number | null;
      code: string;
      message: string;
      providerError?: ProviderError;
    };

/**
 * The access token of one run or preview. `reuseMs` > 0 keeps a token that long between `getToken` calls
 * (destination runs make a call per record); 0 asks `getToken` (which refreshes when due) every time.
 */
export class RunToken {
  #current: { value: string; fetchedAt: number; expiresAt: number } | null = null;
  #refreshing: Promise<string> | null = null;

  constructor(
    private readonly tokens: TokenService,
    private readonly ctx: OperationContext,
    private readonly credentialId: string,
    private readonly reuseMs: number,
    private readonly clock: () => number,
  ) {}

  async get(): Promise<string> {
    const now = this.clock();
    const c = this.#current;
    if (c && now - c.fetchedAt < this.reuseMs && c.expiresAt - now > 1_000) return c.value;
    const t = await this.tokens.getToken(this.ctx, this.credentialId, { audit: false });
    this.#current = { value: t.accessToken, fetchedAt: this.clock(), expiresAt: Date.parse(t.expiresAt) };
    return t.accessToken;
  }

  /** After a 401 with `used`: a forced refresh, shared by concurrent callers, unless one already happened. */
  async afterUnauthorized(used: string): Promise<string> {
    if (this.#current && this.#current.value !== used) return this.#current.value;
    this.#refreshing ??= this.tokens
      .refresh(this.ctx, this.credentialId)
      .then((t) => {
        this.#current = { value: t.accessToken, fetchedAt: this.clock(), expiresAt: Date.parse(t.expiresAt) };
        return t.accessToken;
      })
      .finally(() => {
        this.#refreshing = null;
      });
    return this.#refreshing;
  }
}

/** Wait `ms`, or reject with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function refused(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    if ((e as { code?: string }).code === 'ECONNREFUSED') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  url: string;
  /** The connector's `api.headers`. */
  headers: Record<string, string>;
  body?: string;
  /** The run's signal: aborting it abandons the call (and rejects with its reason). */
  signal: AbortSignal;
  /** e.g. `GET /advertisements`, for messages. */
  label: string;
}

export async function callUpstream(
  deps: UpstreamDeps,
  token: RunToken,
  req: UpstreamRequest,
): Promise<UpstreamOutcome> {
  let refreshed = false;
  for (let attempt = 1; ; attempt++) {
    let bearer: string;
    try {
      bearer = await token.get();
    } catch (err) {
      if (err instanceof AppError) return { ok: false, status: null, code: err.code, message: err.message };
      throw err;
    }
    const network = async (err: unknown): Promise<UpstreamOutcome | 'retry'> => {
      if (req.signal.aborted) throw req.signal.reason;
      const retryable = req.method === 'GET' || refused(err);
      const delay = retryable ? retryDelayMs(deps.retry, attempt, null) : null;
      if (delay !== null) {
        await sleep(delay, req.signal);
        return 'retry';
      }
      return classifyNetworkError(err) === 'timeout'
        ? {
            ok: false,
            status: null,
            code: 'upstream_timeout',
            message: `${req.label}: the API did not answer in time`,
          }
        : {
            ok: false,
            status: null,
            code: 'upstream_unreachable',
            message: `${req.label}: the API could not be reached`,
          };
    };
    let res: Response;
    try {
      res = await send(deps, req, bearer);
    } catch (err) {
      const next = await network(err);
      if (next === 'retry') continue;
      return next;
    }
    if (res.status === 401 && !refreshed) {
      refreshed = true;
      await res.body?.cancel().catch(() => {});
      try {
        await token.afterUnauthorized(bearer);
      } catch (err) {
        if (err instanceof AppError) return { ok: false, status: 401, code: err.code, message: err.message };
        throw err;
      }
      attempt--; // the retry after a refresh is not a backoff attempt
      continue;
    }
    if (isRetryableStatus(res.status)) {
      const delay = retryDelayMs(
        deps.retry,
        attempt,
        parseRetryAfter(res.headers.get('retry-after'), deps.clock()),
      );
      if (delay !== null) {
        await res.body?.cancel().catch(() => {});
        await sleep(delay, req.signal);
        continue;
      }
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      const next = await network(err);
      if (next === 'retry') continue;
      return next;
    }
    if (res.status >= 200 && res.status < 300)
      return { ok: true, status: res.status, headers: res.headers, text };
    if (res.status >= 300 && res.status < 400) {
      return {
        ok: false,
        status: res.status,
        code: 'upstream_redirect',
        message: `${req.label}: the API answered a redirect (HTTP ${res.status}); redirects are not followed`,
      };
    }
    const providerError = parseProviderError(text, [bearer]);
    return {
      ok: false,
      status: res.status,
      code: res.status === 401 ? 'upstream_unauthorized' : 'upstream_error',
      message: `${req.label}: ${describeProviderError(res.status, providerError)}`,
      providerError,
    };
  }
}

async function send(deps: UpstreamDeps, req: UpstreamRequest, bearer: string): Promise<Response> {
  const headers: Record<string, string> = {};
  // The connector's headers, but never its own Authorization or Content-Type: ours win.
  for (const [name, value] of Object.entries(req.headers)) {
    if (!/^(authorization|content-type)$/i.test(name)) headers[name] = value;
  }
  headers.authorization = `Bearer ${bearer}`;
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  return deps.outbound.fetch(req.url, {
    method: req.method,
    headers,
    body: req.body,
    redirect: 'manual',
    signal: AbortSignal.any([req.signal, AbortSignal.timeout(deps.timeoutMs)]),
  });
}

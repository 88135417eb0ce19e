/**
 * `createClient({ baseUrl, apiKey })`: what a pipeline needs from a Latchkey server, one call each, on
 * openapi-fetch over the generated OpenAPI types. Every failure is a {@link LatchkeyError}.
 */
import createOpenApiClient, { type Client as OpenApiClient } from 'openapi-fetch';
import { errorFromFailure, errorFromResponse } from './errors.js';
import { followRun, type RunSourceOptions } from './runs.js';
import type { paths } from './schema.js';
import type {
  Credential,
  CredentialPage,
  CreateCredentialInput,
  ListCredentialsQuery,
  RevokeResult,
  Run,
  TestResult,
  Token,
  UpdateCredentialInput,
} from './types.js';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:3000';

export interface ClientOptions {
  /** The server, e.g. `https://latchkey.example.com`. Default: `LATCHKEY_URL`, else http://127.0.0.1:3000. */
  baseUrl?: string;
  /** An API key (`lk_…`). Default: `LATCHKEY_API_KEY`. */
  apiKey?: string;
  /** Deadline of each API call in ms (not of `fetch` through the proxy, which may stream). Default 60 000. */
  timeoutMs?: number;
  /** A `fetch` to use instead of the global one (tests, custom agents). */
  fetch?: typeof globalThis.fetch;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface CredentialsApi {
  /** Every credential of the API key's workspace, newest first (follows `nextCursor` to the last page). */
  list(query?: Omit<ListCredentialsQuery, 'cursor'>, options?: CallOptions): Promise<Credential[]>;
  /** One page: pass the previous page's `nextCursor` as `cursor` for the next. */
  page(query?: ListCredentialsQuery, options?: CallOptions): Promise<CredentialPage>;
  get(credentialId: string, options?: CallOptions): Promise<Credential>;
  /** Create a credential; its status is `pending_authorization` until {@link LatchkeyClient.authorize}. */
  create(input: CreateCredentialInput, options?: CallOptions): Promise<Credential>;
  /** Change fields; a new `clientSecret` is allowed (write-only, never returned). */
  update(credentialId: string, input: UpdateCredentialInput, options?: CallOptions): Promise<Credential>;
  /** Delete (revoked at the provider first, best effort). Rejects `credential_in_use` while a source uses it. */
  delete(credentialId: string, options?: CallOptions): Promise<void>;
}

export interface LatchkeyClient {
  readonly baseUrl: string;
  /** A valid access token for the credential (the server refreshes it first when needed). */
  getToken(credentialId: string, options?: CallOptions): Promise<Token>;
  /**
   * A request to the connector's API through Latchkey's proxy (`/api/v1/proxy/{id}/{path}`), which adds the
   * credential's Bearer token and refreshes it on a 401. Resolves the plain `Response` whatever its status —
   * the API's own, or Latchkey's `{"error":…}` when it refused (e.g. 409 `credential_not_active`); rejects
   * only when Latchkey cannot be reached. Without an `Accept` of its own (fetch's `*\/*`), the connector's
   * default `Accept` applies. A redirect is returned, not followed, unless `init.redirect` says otherwise.
   */
  fetch(credentialId: string, path: string, init?: RequestInit): Promise<Response>;
  credentials: CredentialsApi;
  /** Start an authorization; resolves the provider URL to send the user to (single use, 10 minutes). */
  authorize(credentialId: string, options?: { returnTo?: string } & CallOptions): Promise<string>;
  /** Refresh the token now. */
  refresh(credentialId: string, options?: CallOptions): Promise<Credential>;
  /** Revoke the tokens at the provider (RFC 7009) and wipe them; the credential becomes `revoked`. */
  revoke(credentialId: string, options?: CallOptions): Promise<RevokeResult>;
  /** Call the connector's test request with the credential's token. */
  test(credentialId: string, options?: CallOptions): Promise<TestResult>;
  /**
   * Start a run of a source and poll it until it finishes, calling `onProgress` with the run whenever it
   * changed. Resolves the final run when it succeeded; rejects with a `LatchkeyRunError` when it failed or was
   * cancelled. Aborting `signal` cancels the run on the server and rejects with the signal's reason.
   */
  runSource(sourceId: string, options?: RunSourceOptions): Promise<Run>;
  /** The typed openapi-fetch client of the whole API, for routes without a helper here. */
  readonly api: OpenApiClient<paths>;
}

function fromEnv(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.[name] || undefined;
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

export function createClient(options: ClientOptions = {}): LatchkeyClient {
  const baseUrl = (options.baseUrl ?? fromEnv('LATCHKEY_URL') ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const apiKey = options.apiKey ?? fromEnv('LATCHKEY_API_KEY');
  if (!/^https?:\/\/[^/]/.test(baseUrl)) throw new TypeError(`baseUrl must be an http(s) URL: ${baseUrl}`);
  if (!apiKey) throw new TypeError('an API key is required: pass apiKey or set LATCHKEY_API_KEY');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const authorization = `Bearer ${apiKey}`;

  // Redirects are not followed: the API key goes to `baseUrl` and nowhere else.
  const api = createOpenApiClient<paths>({
    baseUrl,
    redirect: 'manual',
    headers: { authorization, accept: 'application/json' },
    fetch: (request: Request) => fetchImpl(request),
  });

  const signalFor = (options?: CallOptions): AbortSignal => {
    const deadline = AbortSignal.timeout(timeoutMs);
    return options?.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  };

  /** Await an openapi-fetch call; an error answer or no answer becomes a LatchkeyError. */
  async function call<T>(request: (signal: AbortSignal) => Promise<Answer<T>>, options?: CallOptions) {
    let answer: Answer<T>;
    try {
      answer = await request(signalFor(options));
    } catch (err) {
      throw errorFromFailure(err, baseUrl, options?.signal);
    }
    if (!answer.response.ok) throw errorFromResponse(answer.response, answer.error);
    return answer.data as T;
  }

  const byId = (id: string) => ({ params: { path: { id } } });

  const credentials: CredentialsApi = {
    page: (query = {}, options) =>
      call((signal) => api.GET('/api/v1/credentials', { params: { query }, signal }), options),
    async list(query = {}, options) {
      const items: Credential[] = [];
      let cursor: string | undefined;
      do {
        const page = await credentials.page({ limit: 200, ...query, ...(cursor ? { cursor } : {}) }, options);
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return items;
    },
    get: (id, options) =>
      call((signal) => api.GET('/api/v1/credentials/{id}', { ...byId(id), signal }), options),
    create: (input, options) =>
      call((signal) => api.POST('/api/v1/credentials', { body: input, signal }), options),
    update: (id, input, options) =>
      call((signal) => api.PATCH('/api/v1/credentials/{id}', { ...byId(id), body: input, signal }), options),
    async delete(id, options) {
      await call((signal) => api.DELETE('/api/v1/credentials/{id}', { ...byId(id), signal }), options);
    },
  };

  return {
    baseUrl,
    api,
    credentials,
    getToken: (id, options) =>
      call((signal) => api.GET('/api/v1/credentials/{id}/token', { ...byId(id), signal }), options),
    async authorize(id, options = {}) {
      const body = options.returnTo === undefined ? {} : { returnTo: options.returnTo };
      const started = await call(
        (signal) => api.POST('/api/v1/credentials/{id}/authorize', { ...byId(id), body, signal }),
        options,
      );
      return started.authorizationUrl;
    },
    refresh: (id, options) =>
      call((signal) => api.POST('/api/v1/credentials/{id}/refresh', { ...byId(id), signal }), options),
    revoke: (id, options) =>
      call((signal) => api.POST('/api/v1/credentials/{id}/revoke', { ...byId(id), signal }), options),
    test: (id, options) =>
      call((signal) => api.POST('/api/v1/credentials/{id}/test', { ...byId(id), signal }), options),

    async fetch(credentialId, path, init = {}) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//'))
        throw new TypeError(`fetch takes a path of the connector's API, not a URL: ${path}`);
      const url = `${baseUrl}/api/v1/proxy/${encodeURIComponent(credentialId)}/${path.replace(/^\/+/, '')}`;
      const headers = new Headers(init.headers);
      headers.set('authorization', authorization);
      try {
        return await fetchImpl(url, { redirect: 'manual', ...init, headers });
      } catch (err) {
        throw errorFromFailure(err, baseUrl, init.signal);
      }
    },

    runSource: (sourceId, options = {}) =>
      followRun(
        {
          start: (signal) =>
            call((s) => api.POST('/api/v1/sources/{id}/runs', { ...byId(sourceId), body: {}, signal: s }), {
              signal,
            }),
          read: (runId, signal) =>
            call(
              (s) =>
                api.GET('/api/v1/sources/{id}/runs/{runId}', {
                  params: { path: { id: sourceId, runId } },
                  signal: s,
                }),
              { signal },
            ),
          cancel: (runId) =>
            call((s) =>
              api.POST('/api/v1/sources/{id}/runs/{runId}/cancel', {
                params: { path: { id: sourceId, runId } },
                signal: s,
              }),
            ),
        },
        options,
      ),
  };
}

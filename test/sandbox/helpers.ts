/** Fixtures for the sandbox tests: a bare Fastify app with the sandbox plugin, a clock, and OAuth steps. */
import { createHash, randomBytes } from 'node:crypto';
import fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { approveInBrowser, injectFetch, type BrowserClient, type FetchLike } from './browser-client.js';

export const PREFIX = '/sandbox/2ememain';
export const ISSUER = `http://sandbox.test${PREFIX}`;
export const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/callback';
export const DEMO = { email: 'demo@sandbox.2ememain.test', password: 'demo' };

export interface Harness {
  app: FastifyInstance;
  sandbox: Sandbox;
  fetch: FetchLike;
  /** Move the sandbox's clock forward. */
  advance(ms: number): void;
  now(): number;
}

export async function createHarness(options: Partial<SandboxOptions> = {}): Promise<Harness> {
  let now = Date.parse('2025-06-01T10:00:00Z');
  const sandbox = createSandbox({ issuer: ISSUER, clock: () => now, advertisements: 250, ...options });
  const app = fastify();
  await app.register(sandbox.plugin, { prefix: PREFIX });
  await app.ready();
  return {
    app,
    sandbox,
    fetch: injectFetch(app),
    advance: (ms) => void (now += ms),
    now: () => now,
  };
}

export interface RegisteredClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  [key: string]: unknown;
}

export async function register(
  h: Harness,
  metadata: Record<string, unknown> = {},
): Promise<RegisteredClient> {
  const res = await h.app.inject({
    method: 'POST',
    url: `${PREFIX}/register`,
    payload: { client_name: 'Test app', redirect_uris: [REDIRECT_URI], ...metadata },
  });
  if (res.statusCode !== 201) throw new Error(`registration failed: ${res.statusCode} ${res.body}`);
  return res.json() as RegisteredClient;
}

/** application/x-www-form-urlencoded, as RFC 6749 Appendix B encodes it. */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** `Authorization: Basic` for a client, encoding each part first (RFC 6749 §2.3.1) unless told not to. */
export function basicAuth(clientId: string, secret: string, encode = true): string {
  const pair = encode ? `${formEncode(clientId)}:${formEncode(secret)}` : `${clientId}:${secret}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizationUrl(clientId: string, params: Record<string, string> = {}): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    state: 'st-123',
    ...params,
  });
  return `${ISSUER}/oauth/authorize?${query}`;
}

export interface AuthorizeOptions {
  params?: Record<string, string>;
  decision?: 'authorize' | 'deny';
  browser?: BrowserClient;
}

/** Run the browser part of the flow; returns the parameters of the redirect to the client. */
export async function authorize(
  h: Harness,
  clientId: string,
  options: AuthorizeOptions = {},
): Promise<URLSearchParams> {
  const final = await approveInBrowser(authorizationUrl(clientId, options.params), {
    ...DEMO,
    decision: options.decision ?? 'authorize',
    ...(options.browser ? { client: options.browser } : { fetch: h.fetch }),
  });
  return new URL(final).searchParams;
}

export function tokenRequest(
  h: Harness,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return h.app.inject({
    method: 'POST',
    url: `${PREFIX}/oauth/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(params).toString(),
  });
}

export interface TokenSet {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

/** Authorize (with PKCE) and exchange the code, authenticating in the body; throws unless it works. */
export async function obtainTokens(h: Harness, client: RegisteredClient, scope?: string): Promise<TokenSet> {
  const { verifier, challenge } = pkcePair();
  const params: Record<string, string> = {
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(scope ? { scope } : {}),
  };
  const redirect = await authorize(h, client.client_id, { params });
  const code = redirect.get('code');
  if (!code) throw new Error(`no code: ${redirect.toString()}`);
  const res = await tokenRequest(h, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    client_id: client.client_id,
    client_secret: client.client_secret,
  });
  if (res.statusCode !== 200) throw new Error(`token exchange failed: ${res.statusCode} ${res.body}`);
  return res.json() as TokenSet;
}

export function refresh(
  h: Harness,
  client: RegisteredClient,
  refreshToken: string,
  extra: Record<string, string> = {},
) {
  return tokenRequest(h, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: client.client_id,
    client_secret: client.client_secret,
    ...extra,
  });
}

export function api(
  h: Harness,
  path: string,
  token: string | undefined,
  init: { method?: string; accept?: string | null; body?: unknown } = {},
): Promise<LightMyRequestResponse> {
  return h.app.inject({
    method: (init.method ?? 'GET') as 'GET',
    url: path.startsWith('http') ? new URL(path).pathname + new URL(path).search : `${PREFIX}/api/v1${path}`,
    headers: {
      ...(init.accept === null ? {} : { accept: init.accept ?? 'application/hal+json, application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(init.body === undefined ? {} : { payload: init.body as object }),
  });
}

/** A real sandbox provider on its own port, and a Latchkey test app whose catalog points at it. */
import {
  sandboxConnector,
  startSandboxServer,
  type SandboxServer,
  type SandboxServerOptions,
} from '../../src/sandbox/index.js';
import type { ConnectorInput } from '../../src/connectors/index.js';
import { approveInBrowser } from '../sandbox/browser-client.js';
import type { TestApp } from './app.js';

export const DEMO = { email: 'demo@sandbox.2ememain.test', password: 'demo' };

export async function startTestSandbox(options: SandboxServerOptions = {}): Promise<SandboxServer> {
  return startSandboxServer({ controls: true, advertisements: 250, ...options });
}

export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
}

/** RFC 7591 registration at the sandbox (with the sandbox's extensions). */
export async function registerClient(
  sandboxUrl: string,
  redirectUri: string,
  extra: { client_secret?: string; token_endpoint_auth_method?: string; access_token_ttl_s?: number } = {},
): Promise<RegisteredClient> {
  const res = await fetch(`${sandboxUrl}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Latchkey test', redirect_uris: [redirectUri], ...extra }),
  });
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { client_id: string; client_secret: string };
  return { clientId: body.client_id, clientSecret: body.client_secret };
}

/** The sandbox connector, optionally changed (e.g. another client authentication method), added to the app's catalog. */
export function addSandboxConnector(
  t: TestApp,
  sandboxUrl: string,
  change: (c: ConnectorInput) => ConnectorInput = (c) => c,
): string {
  const c = change(sandboxConnector(sandboxUrl) as ConnectorInput);
  t.ctx.catalog.add(c, 'test');
  return c.id;
}

export interface AuthorizedCredential {
  id: string;
  client: RegisteredClient;
}

/** Create a credential and drive the whole flow (sign in, approve, callback); returns the callback response. */
export async function createAndAuthorize(
  t: TestApp,
  sandboxUrl: string,
  options: {
    connector?: string;
    client?: RegisteredClient;
    decision?: 'authorize' | 'deny';
    scope?: string;
  } = {},
) {
  const client = options.client ?? (await registerClient(sandboxUrl, t.config.redirectUri));
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/credentials',
    headers: t.auth,
    payload: {
      connector: options.connector ?? '2ememain-sandbox',
      name: 'Sandbox shop',
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      ...(options.scope ? { scope: options.scope } : {}),
    },
  });
  if (created.statusCode !== 201) throw new Error(`create failed: ${created.body}`);
  const id = created.json().id as string;
  const callback = await authorizeAgain(t, id, options.decision ?? 'authorize');
  return { id, client, callback };
}

/** Start an authorization for an existing credential and follow it through the sandbox to the callback. */
export async function authorizeAgain(
  t: TestApp,
  id: string,
  decision: 'authorize' | 'deny' = 'authorize',
  editUrl: (u: URL) => void = () => {},
) {
  const start = await t.app.inject({
    method: 'POST',
    url: `/api/v1/credentials/${id}/authorize`,
    headers: t.auth,
    payload: {},
  });
  if (start.statusCode !== 200) throw new Error(`authorize failed: ${start.body}`);
  const redirect = new URL(await approveInBrowser(start.json().authorizationUrl, { ...DEMO, decision }));
  editUrl(redirect);
  return t.app.inject({ url: redirect.pathname + redirect.search, headers: { accept: 'application/json' } });
}

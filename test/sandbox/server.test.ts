import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorSchema } from '../../src/connectors/schema.js';
import { sandboxConnector, startSandboxServer, type SandboxServer } from '../../src/sandbox/index.js';
import { approveInBrowser } from './browser-client.js';
import { basicAuth, DEMO, pkcePair } from './helpers.js';

const servers: SandboxServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start() {
  const server = await startSandboxServer({ controls: true, advertisements: 30 });
  servers.push(server);
  return server;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers read field by field
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

const form = (params: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(params).toString(),
});

describe('startSandboxServer over real HTTP', () => {
  it('runs the whole flow with fetch: register, browser consent, Basic token exchange, API, controls', async () => {
    const { url } = await start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sandbox\/2ememain$/);
    const meta = await json(fetch(`${url}/.well-known/oauth-authorization-server`));
    expect(meta.issuer).toBe(url);
    const inserted = await fetch(
      `${new URL(url).origin}/.well-known/oauth-authorization-server/sandbox/2ememain`,
    );
    expect((await json(inserted)).token_endpoint).toBe(`${url}/oauth/token`);

    const redirectUri = 'http://127.0.0.1:9/callback';
    const secret = 'a b/+:%&=c';
    const reg = await fetch(`${url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'client_secret_basic',
        client_secret: secret,
      }),
    });
    expect(reg.status).toBe(201);
    const client = await json(reg);

    const { verifier, challenge } = pkcePair();
    const authUrl = `${meta.authorization_endpoint}?${new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: redirectUri,
      scope: 'read',
      state: 'xyz',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })}`;
    const final = new URL(await approveInBrowser(authUrl, { ...DEMO, decision: 'authorize' }));
    expect(final.origin + final.pathname).toBe(redirectUri);
    expect(final.searchParams.get('iss')).toBe(url);

    const tokenRes = await fetch(meta.token_endpoint, {
      ...form({
        grant_type: 'authorization_code',
        code: final.searchParams.get('code')!,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(client.client_id, secret),
      },
    });
    expect(tokenRes.status).toBe(200);
    const tokens = await json(tokenRes);

    const list = await fetch(`${url}/api/v1/advertisements?limit=20`, {
      headers: {
        accept: 'application/hal+json, application/json',
        authorization: `Bearer ${tokens.access_token}`,
      },
    });
    expect(list.status).toBe(200);
    const page = await json(list);
    const next = await fetch(page._links.next.href, {
      headers: { accept: 'application/json', authorization: `Bearer ${tokens.access_token}` },
    });
    expect((await json(next))._embedded['mp:advertisement']).toHaveLength(10);

    const stats = await json(fetch(`${url}/_control/stats`));
    expect(stats.tokenRequests.byGrantType.authorization_code).toEqual({ ok: 1, error: 0 });
    expect(stats.apiRequests.total).toBe(2);
  });

  it('drops the connection on a drop fault set over HTTP', async () => {
    const { url } = await start();
    const set = await fetch(`${url}/_control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: { mode: 'drop', count: 1 } }),
    });
    expect(set.status).toBe(200);
    await expect(
      fetch(`${url}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: 'x' })),
    ).rejects.toThrow(TypeError);
    const after = await fetch(
      `${url}/oauth/token`,
      form({ grant_type: 'refresh_token', refresh_token: 'x' }),
    );
    expect(after.status).toBe(401);
    expect((await json(fetch(`${url}/_control/stats`))).tokenRequests).toMatchObject({
      total: 2,
      faulted: 1,
    });
  });
});

describe('sandboxConnector', () => {
  it('is a valid connector pointing at the sandbox endpoints', () => {
    const issuer = 'http://127.0.0.1:3000/sandbox/2ememain';
    const connector = ConnectorSchema.parse(sandboxConnector(`${issuer}/`));
    expect(connector).toMatchObject({
      id: '2ememain-sandbox',
      name: '2ememain (sandbox)',
      sandbox: true,
      auth: {
        authorizationUrl: `${issuer}/oauth/authorize`,
        tokenUrl: `${issuer}/oauth/token`,
        revocationUrl: `${issuer}/oauth/revoke`,
        issuer,
        pkce: true,
        tokenEndpointAuthMethod: 'client_secret_post',
      },
      api: {
        baseUrl: `${issuer}/api/v1`,
        headers: { Accept: 'application/hal+json, application/json' },
        test: { method: 'GET', path: '/me' },
      },
      resources: [
        {
          id: 'advertisements',
          recordsPath: '_embedded.mp:advertisement',
          pagination: { type: 'offset', limit: 100 },
        },
      ],
    });
    expect(connector.description).toMatch(/sandbox/i);
    expect(connector.logo).toMatch(/^data:image\/svg\+xml;base64,/);
  });
});

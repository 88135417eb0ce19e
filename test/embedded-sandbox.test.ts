/**
 * `npm start`'s configuration: one real server process on SQLite with the sandbox mounted. The whole flow
 * offline over HTTP: register an app at the sandbox, create a credential, authorize, get a token, call the API.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveInBrowser } from './sandbox/browser-client.js';
import { CLI } from './helpers/cli.js';
import { DEMO } from './helpers/sandbox.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

const KEY = 'lk_embedded_test_key_0123456789';
const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

describe('the embedded default with the sandbox (npm start)', () => {
  let dir: string;
  let server: ServerProcess;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-embedded-'));
    server = await startServerProcess({
      LATCHKEY_SANDBOX: '1',
      LATCHKEY_DATA_DIR: dir,
      LATCHKEY_DATABASE_URL: `sqlite:${dir}/latchkey.db`,
      LATCHKEY_BOOTSTRAP_API_KEY: KEY,
    });
  }, 30_000);
  afterAll(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('generates the master key with mode 0600, keeps the database private, and answers health checks', async () => {
    expect(fs.statSync(path.join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'latchkey.db')).mode & 0o077).toBe(0);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(((await (await fetch(`${server.url}/readyz`)).json()) as { status: string }).status).toBe('ready');
  });

  it('lists the 2ememain-sandbox connector and serves the sandbox’s RFC 8414 metadata', async () => {
    const list = (await (await fetch(`${server.url}/api/v1/connectors`, { headers: auth })).json()) as {
      items: { id: string; sandbox?: boolean }[];
    };
    expect(list.items.find((c) => c.id === '2ememain-sandbox')?.sandbox).toBe(true);
    const meta = (await (
      await fetch(`${server.url}/.well-known/oauth-authorization-server/sandbox/2ememain`)
    ).json()) as { issuer: string };
    expect(meta.issuer).toBe(`${server.url}/sandbox/2ememain`);
  });

  it('walks the whole flow offline: register, create, authorize, token, API call', async () => {
    const reg = await fetch(`${server.url}/sandbox/2ememain/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'My pipeline', redirect_uris: [`${server.url}/oauth/callback`] }),
    });
    const client = (await reg.json()) as { client_id: string; client_secret: string };
    const created = await fetch(`${server.url}/api/v1/credentials`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        connector: '2ememain-sandbox',
        name: 'Sandbox shop',
        clientId: client.client_id,
        clientSecret: client.client_secret,
      }),
    });
    const { id } = (await created.json()) as { id: string };
    const start = await fetch(`${server.url}/api/v1/credentials/${id}/authorize`, {
      method: 'POST',
      headers: auth,
      body: '{}',
    });
    const { authorizationUrl } = (await start.json()) as { authorizationUrl: string };
    expect(authorizationUrl.startsWith(`${server.url}/sandbox/2ememain/oauth/authorize?`)).toBe(true);
    const callback = await approveInBrowser(authorizationUrl, { ...DEMO, decision: 'authorize' });
    const page = await fetch(callback, { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain('Authorized');
    const token = (await (
      await fetch(`${server.url}/api/v1/credentials/${id}/token`, { headers: auth })
    ).json()) as { accessToken: string };
    const ads = await fetch(`${server.url}/sandbox/2ememain/api/v1/advertisements?limit=5`, {
      headers: {
        authorization: `Bearer ${token.accessToken}`,
        accept: 'application/hal+json, application/json',
      },
    });
    expect(ads.status).toBe(200);
    const body = (await ads.json()) as { _embedded: { 'mp:advertisement': unknown[] } };
    expect(body._embedded['mp:advertisement']).toHaveLength(5);
  });
});

describe('latchkey sandbox', () => {
  it('runs the sandbox alone and prints its URL', async () => {
    const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(out.trim());
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sandbox\/2ememain$/);
      const meta = (await (
        await fetch(`${new URL(url).origin}/.well-known/oauth-authorization-server/sandbox/2ememain`)
      ).json()) as { token_endpoint: string };
      expect(meta.token_endpoint).toBe(`${url}/oauth/token`);
    } finally {
      child.kill('SIGTERM');
    }
  });
});

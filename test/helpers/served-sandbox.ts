/**
 * A real Latchkey server process with the sandbox mounted (`npm start`'s configuration) and a bootstrap API
 * key, for tests of outside clients (SDK, Python client, CLI), plus the steps to get an `active` credential
 * over plain HTTP: register an app at the sandbox, create the credential, approve as the demo user.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { approveInBrowser } from '../sandbox/browser-client.js';
import { DEMO } from './sandbox.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

export interface ServedSandbox {
  server: ServerProcess;
  url: string;
  apiKey: string;
  dir: string;
  /** A JSON API call with the API key; throws on an unexpected status. */
  api<T = Record<string, unknown>>(method: string, p: string, body?: unknown, expect?: number): Promise<T>;
  /** Register an OAuth app at the sandbox with Latchkey's redirect URI. */
  registerApp(): Promise<{ clientId: string; clientSecret: string }>;
  /** Create a credential and authorize it as the demo user: an `active` credential's id. */
  activeCredential(name?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startServedSandbox(env: Record<string, string> = {}): Promise<ServedSandbox> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-served-'));
  const apiKey = `lk_test_${randomBytes(12).toString('hex')}`;
  const server = await startServerProcess({
    LATCHKEY_SANDBOX: '1',
    LATCHKEY_DATA_DIR: dir,
    LATCHKEY_DATABASE_URL: `sqlite:${dir}/latchkey.db`,
    LATCHKEY_BOOTSTRAP_API_KEY: apiKey,
    ...env,
  });
  const url = server.url;

  async function api<T>(method: string, p: string, body?: unknown, expect?: number): Promise<T> {
    const res = await fetch(`${url}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (expect !== undefined ? res.status !== expect : !res.ok)
      throw new Error(`${method} ${p} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  async function registerApp() {
    const res = await fetch(`${url}/sandbox/2ememain/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Client test', redirect_uris: [`${url}/oauth/callback`] }),
    });
    if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
    const app = (await res.json()) as { client_id: string; client_secret: string };
    return { clientId: app.client_id, clientSecret: app.client_secret };
  }

  async function activeCredential(name = 'Sandbox shop') {
    const app = await registerApp();
    const cred = await api<{ id: string }>('POST', '/api/v1/credentials', {
      connector: '2ememain-sandbox',
      name,
      ...app,
    });
    const start = await api<{ authorizationUrl: string }>(
      'POST',
      `/api/v1/credentials/${cred.id}/authorize`,
      {},
    );
    const callback = await approveInBrowser(start.authorizationUrl, { ...DEMO, decision: 'authorize' });
    const done = await fetch(callback, { headers: { accept: 'application/json' } });
    if (!done.ok) throw new Error(`callback failed: ${done.status} ${await done.text()}`);
    return cred.id;
  }

  return {
    server,
    url,
    apiKey,
    dir,
    api,
    registerApp,
    activeCredential,
    async stop() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

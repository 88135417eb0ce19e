/**
 * The TypeScript SDK (`sdk/`, `@latchkey/client`) against a real server process with the sandbox mounted: the
 * whole life of a credential through the SDK, proxied calls, source runs with progress, and typed errors.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  isLatchkeyError,
  LatchkeyError,
  LatchkeyRunError,
  type LatchkeyClient,
  type Run,
} from '../sdk/src/index.js';
import { DEMO } from './helpers/sandbox.js';
import { startServedSandbox, type ServedSandbox } from './helpers/served-sandbox.js';
import { approveInBrowser } from './sandbox/browser-client.js';

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<LatchkeyError> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  if (outcome.ok) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.err as LatchkeyError;
}

describe('@latchkey/client against a running server', () => {
  let sandbox: ServedSandbox;
  let latchkey: LatchkeyClient;

  beforeAll(async () => {
    sandbox = await startServedSandbox({
      LATCHKEY_SANDBOX_ADVERTISEMENTS: '250',
      LATCHKEY_SANDBOX_CONTROLS: '1',
    });
    latchkey = createClient({ baseUrl: sandbox.url, apiKey: sandbox.apiKey });
  }, 30_000);
  afterAll(() => sandbox?.stop());

  it('creates, authorizes, hands out a token, proxies a call, and refuses tokens once revoked', async () => {
    const app = await sandbox.registerApp();
    const created = await latchkey.credentials.create({
      connector: '2ememain-sandbox',
      name: 'Shop via SDK',
      ...app,
    });
    expect(created).toMatchObject({ status: 'pending_authorization', clientSecretSet: true });
    expect(JSON.stringify(created)).not.toContain(app.clientSecret);

    const url = await latchkey.authorize(created.id, { returnTo: '/credentials' });
    expect(url.startsWith(`${sandbox.url}/sandbox/2ememain/oauth/authorize?`)).toBe(true);
    const callback = await approveInBrowser(url, { ...DEMO, decision: 'authorize' });
    const done = await fetch(callback, { redirect: 'manual' });
    expect(done.status).toBe(303);
    expect((await latchkey.credentials.get(created.id)).status).toBe('active');

    const token = await latchkey.getToken(created.id);
    expect(token.tokenType).toBe('Bearer');
    expect(token.accessToken.length).toBeGreaterThan(10);
    expect(Date.parse(token.expiresAt)).toBeGreaterThan(Date.now());

    const me = await latchkey.fetch(created.id, '/me');
    expect(me).toBeInstanceOf(Response);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: DEMO.email });
    const page = await latchkey.fetch(created.id, 'advertisements?limit=5&offset=0', {
      headers: { accept: 'application/hal+json, application/json' },
    });
    const ads = (await page.json()) as { _embedded: { 'mp:advertisement': unknown[] } };
    expect(ads._embedded['mp:advertisement']).toHaveLength(5);

    const refreshed = await latchkey.refresh(created.id);
    expect(refreshed.lastRefreshedAt).not.toBeNull();
    expect((await latchkey.test(created.id)).ok).toBe(true);

    const revoked = await latchkey.revoke(created.id);
    expect(revoked.credential.status).toBe('revoked');
    expect(revoked.providerRevocation.outcome).toBe('revoked');
    const err = await rejection(latchkey.getToken(created.id));
    expect(err).toBeInstanceOf(LatchkeyError);
    expect(err.code).toBe('credential_not_active');
    expect(err.status).toBe(409);
    expect(err.message).toContain('revoked');
    expect(err.requestId).toBeTruthy();
    expect(isLatchkeyError(err, 'credential_not_active')).toBe(true);
    // The proxy answers Latchkey's refusal as a plain Response.
    const refused = await latchkey.fetch(created.id, '/me');
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('credential_not_active');
  });

  it('runs a source to the end, reporting progress, and resolves the final run', async () => {
    const credentialId = await sandbox.activeCredential('Shop for runs');
    const { data: source } = await latchkey.api.POST('/api/v1/sources', {
      body: { name: 'All ads', connector: '2ememain-sandbox', credentialId, resource: 'advertisements' },
    });
    const events: Run[] = [];
    const run = await latchkey.runSource(source!.id, { onProgress: (r) => events.push(r), intervalMs: 50 });
    expect(run).toMatchObject({
      sourceId: source!.id,
      status: 'succeeded',
      records: 250,
      pages: 3,
      total: 250,
    });
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(['queued', 'running']).toContain(events[0]!.status);
    expect(events.at(-1)).toEqual(run);
    const counts = events.map((e) => e.records);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));

    // A run that fails rejects with the final run: the provider stops honouring the tokens mid-way.
    const control = `${sandbox.url}/sandbox/2ememain/_control`;
    const post = (p: string, body: unknown) =>
      fetch(`${control}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (await post('/faults', { token: { mode: 'status', status: 400, error: 'invalid_grant' } })).ok,
    ).toBe(true);
    expect((await post('/expire-access-tokens', {})).ok).toBe(true);
    const failed = await rejection(latchkey.runSource(source!.id, { intervalMs: 50 }));
    expect(failed).toBeInstanceOf(LatchkeyRunError);
    const run2 = (failed as LatchkeyRunError).run;
    expect(run2.status).toBe('failed');
    expect(failed.code).toBe(run2.error!.code);
    expect(failed.message).toContain(run2.error!.message);
    await post('/faults', { token: { mode: 'none' } });

    // Refused before it starts: the credential now needs authorizing again.
    const refused = await rejection(latchkey.runSource(source!.id));
    expect(refused).not.toBeInstanceOf(LatchkeyRunError);
    expect([refused.code, refused.status]).toEqual(['reauthorization_required', 409]);
  });

  it('cancels the run on the server when the signal aborts', async () => {
    const credentialId = await sandbox.activeCredential('Shop for an aborted run');
    const { data: source } = await latchkey.api.POST('/api/v1/sources', {
      body: { name: 'Aborted', connector: '2ememain-sandbox', credentialId, resource: 'advertisements' },
    });
    const sent: string[] = [];
    const watched = createClient({
      baseUrl: sandbox.url,
      apiKey: sandbox.apiKey,
      fetch: (input, init) => {
        const request = input instanceof Request ? input : new Request(input, init);
        sent.push(`${request.method} ${new URL(request.url).pathname}`);
        return fetch(request);
      },
    });
    const controller = new AbortController();
    const reason = new Error('pipeline stopped');
    const err = await rejection(
      watched.runSource(source!.id, {
        signal: controller.signal,
        onProgress: () => controller.abort(reason),
      }),
    );
    expect(err).toBe(reason);
    expect(sent.at(-1)).toMatch(new RegExp(`^POST /api/v1/sources/${source!.id}/runs/run_\\w+/cancel$`));

    const before = new AbortController();
    before.abort(reason);
    expect(await rejection(latchkey.runSource(source!.id, { signal: before.signal }))).toBe(reason);
  });

  it('lists, edits and deletes credentials', async () => {
    const id = await sandbox.activeCredential('Shop to edit');
    const all = await latchkey.credentials.list();
    expect(all.map((c) => c.id)).toContain(id);
    const active = await latchkey.credentials.list({ status: 'active', connector: '2ememain-sandbox' });
    expect(active.every((c) => c.status === 'active')).toBe(true);
    const page = await latchkey.credentials.page({ limit: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();

    const edited = await latchkey.credentials.update(id, {
      name: 'Renamed',
      description: 'for the SDK test',
    });
    expect(edited).toMatchObject({ name: 'Renamed', description: 'for the SDK test' });
    await latchkey.credentials.delete(id);
    const gone = await rejection(latchkey.credentials.get(id));
    expect([gone.code, gone.status]).toEqual(['not_found', 404]);
  });

  it('types every failure as a LatchkeyError with a code', async () => {
    const missing = await rejection(latchkey.getToken('cred_nope'));
    expect([missing.code, missing.status]).toEqual(['not_found', 404]);

    const invalid = await rejection(
      latchkey.credentials.create({ connector: 'nope', name: 'x', clientId: 'a', clientSecret: 'b' }),
    );
    expect(invalid.code).toBe('unknown_connector');

    const wrongKey = createClient({ baseUrl: sandbox.url, apiKey: 'lk_wrong_key_0123456789' });
    const unauthorized = await rejection(wrongKey.credentials.list());
    expect([unauthorized.code, unauthorized.status]).toEqual(['unauthorized', 401]);

    const down = createClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'lk_whatever_0123456789' });
    const unreachable = await rejection(down.getToken('cred_x'));
    expect([unreachable.code, unreachable.status]).toEqual(['unreachable', null]);
    expect(unreachable.message).toContain('cannot reach Latchkey at http://127.0.0.1:9');
    expect((await rejection(down.fetch('cred_x', '/me'))).code).toBe('unreachable');

    expect(() => createClient({ baseUrl: sandbox.url, apiKey: '' })).toThrow(/API key/);
    await expect(latchkey.fetch('cred_x', 'https://elsewhere.example/me')).rejects.toThrow(TypeError);
  });

  it('never follows a redirect, so the API key goes nowhere else', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      if (req.url === '/elsewhere') res.writeHead(200).end('{}');
      else res.writeHead(302, { location: '/elsewhere' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const client = createClient({ baseUrl: base, apiKey: 'lk_redirect_test_key' });
      const proxied = await client.fetch('cred_x', '/me');
      expect(proxied.status).toBe(302);
      const api = await rejection(client.getToken('cred_x'));
      expect([api.code, api.status]).toEqual(['http_error', 302]);
      expect(seen).toEqual([
        '/api/v1/proxy/cred_x/me Bearer lk_redirect_test_key',
        '/api/v1/credentials/cred_x/token Bearer lk_redirect_test_key',
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { SandboxServer } from '../src/sandbox/index.js';
import { verifyWebhook } from '../src/webhooks/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';
import { addSandboxConnector, createAndAuthorize, startTestSandbox } from './helpers/sandbox.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

describeEachDialect('webhooks', (dialect) => {
  let sandbox: SandboxServer;
  let receiver: http.Server;
  let received: Received[] = [];
  let answer = 200;
  let receiverUrl = '';
  let t: TestApp;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    await sandbox.close();
    await new Promise((r) => receiver.close(r));
  });
  beforeEach(async () => {
    received = [];
    answer = 200;
    t = await createTestApp(dialect);
    addSandboxConnector(t, sandbox.url);
  });
  afterEach(() => t.close());

  const subscribe = async (events: string[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: t.auth,
      payload: { url: receiverUrl, events },
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; secret: string };
  };

  it('delivers signed credential events with no secrets in them', async () => {
    const hook = await subscribe(['credential.authorized', 'credential.revoked']);
    expect(hook.secret).toMatch(/^whsec_/);
    const listed = await t.app.inject({ url: '/api/v1/webhooks', headers: t.auth });
    expect(listed.body).not.toContain(hook.secret);
    const { id, client } = await createAndAuthorize(t, sandbox.url);
    await t.app.inject({ method: 'POST', url: `/api/v1/credentials/${id}/revoke`, headers: t.auth });
    await new Promise((r) => setTimeout(r, 50));
    expect(await t.ctx.webhooks.deliverDue()).toBe(2);
    expect(received.map((r) => JSON.parse(r.body).type)).toEqual([
      'credential.authorized',
      'credential.revoked',
    ]);
    for (const r of received) {
      const ts = Number(r.headers['webhook-timestamp']);
      expect(
        verifyWebhook(
          hook.secret,
          String(r.headers['webhook-id']),
          ts,
          r.body,
          String(r.headers['webhook-signature']),
        ),
      ).toBe(true);
      expect(JSON.parse(r.body).data.credentialId).toBe(id);
      expect(r.body).not.toContain(client.clientSecret);
    }
    const deliveries = await t.app.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries`, headers: t.auth });
    expect(deliveries.json().items.map((d: { status: string }) => d.status)).toEqual([
      'delivered',
      'delivered',
    ]);
  });

  it('retries a failing receiver with backoff and shows the attempts', async () => {
    const hook = await subscribe(['credential.authorized']);
    answer = 500;
    await createAndAuthorize(t, sandbox.url);
    await new Promise((r) => setTimeout(r, 50));
    expect(await t.ctx.webhooks.deliverDue()).toBe(1);
    const d1 = (await t.app.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries`, headers: t.auth })).json()
      .items[0];
    expect(d1).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500, lastError: 'HTTP 500' });
    expect(Date.parse(d1.nextAttemptAt)).toBeGreaterThan(Date.now() + 3000);
    // Not due yet: nothing is sent.
    expect(await t.ctx.webhooks.deliverDue()).toBe(0);
    answer = 204;
    await t.ctx.db.kysely
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: Date.now() - 1 })
      .execute();
    expect(await t.ctx.webhooks.deliverDue()).toBe(1);
    const d2 = (await t.app.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries`, headers: t.auth })).json()
      .items[0];
    expect(d2).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 204 });
    expect(received).toHaveLength(2);
    expect(received[0]!.headers['webhook-id']).toBe(received[1]!.headers['webhook-id']);
  });

  it('only sends the subscribed events, and validates subscriptions', async () => {
    await subscribe(['credential.revoked']);
    await createAndAuthorize(t, sandbox.url);
    await new Promise((r) => setTimeout(r, 50));
    expect(await t.ctx.webhooks.deliverDue()).toBe(0);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: t.auth,
      payload: { url: 'ftp://x', events: ['credential.revoked'] },
    });
    expect(bad.statusCode).toBe(400);
    const badEvent = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: t.auth,
      payload: { url: receiverUrl, events: ['token.issued'] },
    });
    expect(badEvent.statusCode).toBe(400);
  });
});

/**
 * Source runs against the sandbox: every page, in order, while the access token expires mid-run; the
 * provider's paging rule; cancel; interrupted runs; shutdown.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { ConnectorInput } from '../src/connectors/index.js';
import { createContext } from '../src/context.js';
import { createLogger } from '../src/logging/index.js';
import { seedAdvertisements } from '../src/sandbox/advertisements.js';
import type { SandboxServer } from '../src/sandbox/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';
import {
  addSandboxConnector,
  createAndAuthorize,
  registerClient,
  startTestSandbox,
} from './helpers/sandbox.js';

const ADS = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeEachDialect('source runs against the sandbox', (dialect) => {
  let sandbox: SandboxServer;
  let t: TestApp;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ advertisements: ADS });
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    t = await createTestApp(dialect);
  });
  afterEach(async () => {
    t.ctx.runs.hooks.afterPage = undefined;
    await t.close();
  });

  /** The sandbox connector with another page size, a credential for it (tokens living `ttl` s) and a source. */
  async function setup(limit: number, ttl = 3600) {
    addSandboxConnector(
      t,
      sandbox.url,
      (c) =>
        ({
          ...c,
          resources: c.resources!.map((r) => ({
            ...r,
            pagination: { type: 'offset' as const, offsetParam: 'offset', limitParam: 'limit', limit },
          })),
        }) as ConnectorInput,
    );
    const client = await registerClient(sandbox.url, t.config.redirectUri, { access_token_ttl_s: ttl });
    const { id: credentialId } = await createAndAuthorize(t, sandbox.url, { client });
    const src = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sources',
      headers: t.auth,
      payload: { name: 'Ads', connector: '2ememain-sandbox', credentialId, resource: 'advertisements' },
    });
    sandbox.sandbox.reset();
    return src.json().id as string;
  }

  const start = async (sourceId: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/sources/${sourceId}/runs`,
      headers: t.auth,
      payload: {},
    });
    expect(res.statusCode).toBe(202);
    expect(res.headers.location).toBe(`/api/v1/sources/${sourceId}/runs/${res.json().id}`);
    return res.json() as { id: string; status: string };
  };
  const view = async (sourceId: string, runId: string) =>
    (await t.app.inject({ url: `/api/v1/sources/${sourceId}/runs/${runId}`, headers: t.auth })).json();
  async function finished(sourceId: string, runId: string) {
    for (let i = 0; i < 400; i++) {
      const v = await view(sourceId, runId);
      if (['succeeded', 'failed', 'cancelled'].includes(v.status)) return v;
      await sleep(50);
    }
    throw new Error('run did not finish');
  }
  const fileOf = (runId: string) => path.join(t.config.dataDir, 'runs', `${runId}.jsonl`);
  const itemIds = (text: string) =>
    text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { itemId: string }).itemId);

  it('pulls every advertisement across 3 pages of 100 into a JSON Lines file (0600 in a 0700 folder)', async () => {
    const sourceId = await setup(100);
    const run = await start(sourceId);
    expect(run.status).toBe('queued');
    const done = await finished(sourceId, run.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      records: ADS,
      pages: 3,
      failed: 0,
      total: ADS,
      error: null,
    });
    expect(done.kind).toBe('source');
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    const ids = itemIds(fs.readFileSync(fileOf(run.id), 'utf8'));
    expect(ids).toEqual(seedAdvertisements(ADS).map((a) => a.itemId));
    expect(fs.statSync(fileOf(run.id)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(fileOf(run.id))).mode & 0o777).toBe(0o700);
    expect(sandbox.sandbox.stats().apiRequests.byStatus).toEqual({ '200': 3 });

    const records = await t.app.inject({
      url: `/api/v1/sources/${sourceId}/runs/${run.id}/records`,
      headers: t.auth,
    });
    expect(records.statusCode).toBe(200);
    expect(records.headers['content-type']).toContain('application/x-ndjson');
    expect(records.body).toBe(fs.readFileSync(fileOf(run.id), 'utf8'));
    const list = (await t.app.inject({ url: `/api/v1/sources/${sourceId}/runs`, headers: t.auth })).json();
    expect(list.items.map((r: { id: string }) => r.id)).toEqual([run.id]);
  });

  it('survives access-token expiry mid-run: every ad exactly once, in order, with refreshes between pages', async () => {
    const sourceId = await setup(25, 1);
    t.ctx.runs.hooks.afterPage = async ({ page }) => {
      if (page === 2) sandbox.sandbox.expireAccessTokens(); // the next page meets a 401, refreshes, retries
      if (page === 5) await sleep(1100); // past the 1 s lifetime: getToken refreshes before the next page
    };
    const run = await start(sourceId);
    const done = await finished(sourceId, run.id);
    expect(done).toMatchObject({ status: 'succeeded', records: ADS, pages: 10, total: ADS, error: null });
    const ids = itemIds(fs.readFileSync(fileOf(run.id), 'utf8'));
    expect(new Set(ids).size).toBe(ADS);
    expect(ids).toEqual(seedAdvertisements(ADS).map((a) => a.itemId));
    const stats = sandbox.sandbox.stats();
    expect(stats.refreshes).toBeGreaterThanOrEqual(2);
    expect(stats.apiRequests.byStatus['401']).toBeGreaterThanOrEqual(1);
  });

  it('fails with the provider’s status and message when the page size breaks its paging rule', async () => {
    const sourceId = await setup(150);
    const run = await start(sourceId);
    const done = await finished(sourceId, run.id);
    expect(done.status).toBe('failed');
    expect(done.error.code).toBe('upstream_error');
    expect(done.error.message).toContain('HTTP 400 pagination-invalid');
    expect(done.error.message).toContain('limit must be between 1 and 100');
    expect(done.records).toBe(0);
    // No retries for a 400.
    expect(sandbox.sandbox.stats().apiRequests.total).toBe(1);
  });

  it('cancel stops a run at its next page; its records are whole pages; the file is 409 until then', async () => {
    const sourceId = await setup(25);
    let reached!: () => void;
    const atPage1 = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    t.ctx.runs.hooks.afterPage = async ({ page }) => {
      if (page === 1) {
        reached();
        await hold;
      }
    };
    const run = await start(sourceId);
    await atPage1;
    const early = await t.app.inject({
      url: `/api/v1/sources/${sourceId}/runs/${run.id}/records`,
      headers: t.auth,
    });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('run_not_finished');
    // Progress is in the run's row while it runs.
    expect(await view(sourceId, run.id)).toMatchObject({
      status: 'running',
      records: 25,
      pages: 1,
      total: ADS,
    });
    setTimeout(release, 100);
    const cancelled = await t.app.inject({
      method: 'POST',
      url: `/api/v1/sources/${sourceId}/runs/${run.id}/cancel`,
      headers: t.auth,
    });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', records: 25, pages: 1, error: null });
    expect(itemIds(fs.readFileSync(fileOf(run.id), 'utf8'))).toHaveLength(25);
    expect(sandbox.sandbox.stats().apiRequests.total).toBe(1);
    // Cancelling a finished run changes nothing.
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/sources/${sourceId}/runs/${run.id}/cancel`,
      headers: t.auth,
    });
    expect(again.json().status).toBe('cancelled');
    await t.ctx.audit.flush();
    const audit = (await t.app.inject({ url: `/api/v1/audit?targetId=${sourceId}`, headers: t.auth })).json();
    expect(audit.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['source.run_started', 'source.run_cancelled', 'source.run_finished']),
    );
  });

  it('marks a run whose process died as failed / interrupted, on read and at start-up', async () => {
    const sourceId = await setup(100);
    const now = Date.now();
    const row = (id: string, updatedAt: number) => ({
      id,
      workspace_id: t.ctx.defaultWorkspaceId,
      source_id: sourceId,
      kind: 'source',
      status: 'running',
      records: 40,
      pages: 2,
      failed: 0,
      total: null,
      error_code: null,
      error_message: null,
      file_path: null,
      cancel_requested: 0,
      owner: 'dead-host:1:x',
      created_at: updatedAt,
      started_at: updatedAt,
      finished_at: null,
      updated_at: updatedAt,
    });
    await t.ctx.db.kysely
      .insertInto('runs')
      .values([row('run_dead_read', now - 120_000), row('run_alive', now - 5_000)])
      .execute();
    const dead = await view(sourceId, 'run_dead_read');
    expect(dead).toMatchObject({ status: 'failed', records: 40, error: { code: 'interrupted' } });
    expect((await view(sourceId, 'run_alive')).status).toBe('running');

    // No read this time: the next process to start notices.
    await t.ctx.db.kysely
      .insertInto('runs')
      .values(row('run_dead_boot', now - 90_000))
      .execute();
    const second = await createContext(t.config, { log: createLogger('silent') });
    await second.close();
    const boot = await t.ctx.db.kysely
      .selectFrom('runs')
      .selectAll()
      .where('id', '=', 'run_dead_boot')
      .executeTakeFirstOrThrow();
    expect(boot.status).toBe('failed');
    expect(boot.error_code).toBe('interrupted');
  });

  it('shutdown stops in-flight runs cleanly (cancelled / shutdown) and refuses new ones', async () => {
    const sourceId = await setup(25);
    let reached!: () => void;
    const atPage1 = new Promise<void>((r) => (reached = r));
    t.ctx.runs.hooks.afterPage = async ({ page }) => {
      if (page === 1) {
        reached();
        await sleep(200);
      }
    };
    const run = await start(sourceId);
    await atPage1;
    await t.ctx.runs.shutdown();
    const v = await view(sourceId, run.id);
    expect(v).toMatchObject({ status: 'cancelled', pages: 1, records: 25, error: { code: 'shutdown' } });
    const refused = await t.app.inject({
      method: 'POST',
      url: `/api/v1/sources/${sourceId}/runs`,
      headers: t.auth,
      payload: {},
    });
    expect(refused.statusCode).toBe(503);
  });

  it('deletes a source with its runs and run files, but not while a run is in progress', async () => {
    const sourceId = await setup(100);
    const run = await start(sourceId);
    await finished(sourceId, run.id);
    expect(fs.existsSync(fileOf(run.id))).toBe(true);
    await t.ctx.db.kysely
      .updateTable('runs')
      .set({ status: 'running', updated_at: Date.now() })
      .where('id', '=', run.id)
      .execute();
    const busy = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/sources/${sourceId}`,
      headers: t.auth,
    });
    expect(busy.statusCode).toBe(409);
    await t.ctx.db.kysely.updateTable('runs').set({ status: 'succeeded' }).where('id', '=', run.id).execute();
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/sources/${sourceId}`, headers: t.auth });
    expect(del.statusCode).toBe(204);
    expect(fs.existsSync(fileOf(run.id))).toBe(false);
    expect(await t.ctx.db.kysely.selectFrom('runs').selectAll().execute()).toEqual([]);
  });
});

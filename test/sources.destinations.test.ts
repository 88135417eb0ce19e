/** Destination runs against the sandbox: every record posted, failures reported per line with the provider's errors. */
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { SandboxServer } from '../src/sandbox/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';
import { addSandboxConnector, createAndAuthorize, startTestSandbox } from './helpers/sandbox.js';

const valid = (i: number) => ({
  title: `Vélo n° ${i}`,
  description: 'Test ad from a destination run',
  categoryId: 445,
  priceModel: { modality: 'fixed', askingPrice: 10_000 + i },
  location: { postcode: '1000' },
});

interface Result {
  line: number;
  ok: boolean;
  status: number | null;
  location?: string;
  error?: { code: string; message: string; details?: { field: string; code: string; message: string }[] };
}

describeEachDialect('destination runs against the sandbox', (dialect) => {
  let sandbox: SandboxServer;
  let t: TestApp;
  let destinationId: string;
  let accessToken: string;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ advertisements: 5 });
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    t = await createTestApp(dialect);
    addSandboxConnector(t, sandbox.url);
    const { id: credentialId } = await createAndAuthorize(t, sandbox.url);
    accessToken = (
      await t.app.inject({ url: `/api/v1/credentials/${credentialId}/token`, headers: t.auth })
    ).json().accessToken;
    const dst = await t.app.inject({
      method: 'POST',
      url: '/api/v1/destinations',
      headers: t.auth,
      payload: { name: 'New ads', connector: '2ememain-sandbox', credentialId, resource: 'advertisements' },
    });
    destinationId = dst.json().id;
  });
  afterEach(() => t.close());

  const adCount = async () => {
    const res = await fetch(`${sandbox.url}/api/v1/advertisements?limit=1`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    });
    return ((await res.json()) as { totalCount: number }).totalCount;
  };
  const start = (payload: string | object, contentType = 'application/x-ndjson') =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/destinations/${destinationId}/runs`,
      headers: { ...t.auth, 'content-type': contentType },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  async function finished(runId: string) {
    for (let i = 0; i < 400; i++) {
      const v = (
        await t.app.inject({ url: `/api/v1/destinations/${destinationId}/runs/${runId}`, headers: t.auth })
      ).json();
      if (['succeeded', 'failed', 'cancelled'].includes(v.status)) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('run did not finish');
  }
  const results = async (runId: string): Promise<Result[]> => {
    const res = await t.app.inject({
      url: `/api/v1/destinations/${destinationId}/runs/${runId}/results`,
      headers: t.auth,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    return res.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Result)
      .sort((a, b) => a.line - b.line);
  };

  it('posts every record and reports each failure on its line with the sandbox’s validation errors', async () => {
    const before = await adCount();
    const lines = [
      JSON.stringify(valid(1)),
      JSON.stringify({ ...valid(2), title: '' }),
      '',
      JSON.stringify(valid(3)),
      '{"title": "broken',
      JSON.stringify({ ...valid(4), location: { postcode: '0123' }, colour: 'red' }),
      '[1, 2]',
      JSON.stringify(valid(5)),
      JSON.stringify({ ...valid(6), priceModel: { modality: 'fixed' } }),
    ];
    const res = await start(lines.join('\r\n') + '\n');
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      kind: 'destination',
      status: 'queued',
      total: 8,
      sourceId: destinationId,
    });
    const done = await finished(res.json().id);
    expect(done).toMatchObject({
      status: 'succeeded',
      records: 3,
      failed: 5,
      total: 8,
      pages: 0,
      error: null,
    });
    expect(await adCount()).toBe(before + 3);

    const r = await results(res.json().id);
    expect(r.map((x) => [x.line, x.ok, x.status])).toEqual([
      [1, true, 201],
      [2, false, 400],
      [4, true, 201],
      [5, false, null],
      [6, false, 400],
      [7, false, null],
      [8, true, 201],
      [9, false, 400],
    ]);
    expect(r[0]!.location).toMatch(new RegExp(`^${sandbox.url}/api/v1/advertisements/m\\d+$`));
    expect(r[1]!.error).toEqual({
      code: 'validation-error',
      message: 'The advertisement is invalid',
      details: [{ field: 'title', code: 'too-short', message: 'must not be empty' }],
    });
    expect(r[3]!.error!.code).toBe('invalid_json');
    expect(r[4]!.error!.details!.map((d) => [d.field, d.code]).sort()).toEqual([
      ['colour', 'unknown-field'],
      ['location.postcode', 'invalid-format'],
    ]);
    expect(r[5]!.error).toEqual({ code: 'not_an_object', message: 'the line is not a JSON object' });
    expect(r[7]!.error!.details).toEqual([
      { field: 'priceModel.askingPrice', code: 'missing', message: 'is required' },
    ]);
  });

  it('takes {records: [...]} JSON too; refuses an empty body, unknown fields and other content types', async () => {
    const res = await start({ records: [valid(1), valid(2)] }, 'application/json');
    expect(res.statusCode).toBe(202);
    expect(await finished(res.json().id)).toMatchObject({
      status: 'succeeded',
      records: 2,
      failed: 0,
      total: 2,
    });
    expect((await results(res.json().id)).map((x) => x.line)).toEqual([1, 2]);
    const charset = await start(JSON.stringify(valid(3)), 'application/x-ndjson; charset=utf-8');
    expect(charset.statusCode).toBe(202);
    await finished(charset.json().id);

    for (const [payload, type, status, code] of [
      ['\n\n', 'application/x-ndjson', 400, 'validation_failed'],
      [{ records: [] }, 'application/json', 400, 'validation_failed'],
      [{ records: [valid(1)], extra: 1 }, 'application/json', 400, 'validation_failed'],
      [{ records: [1] }, 'application/json', 400, 'validation_failed'],
      ['title\nx', 'text/csv', 415, 'unsupported_media_type'],
    ] as const) {
      const r = await start(payload as string | object, type);
      expect({ payload, status: r.statusCode, code: r.json().error?.code }).toEqual({
        payload,
        status,
        code,
      });
    }
  });

  it('keeps results 409 until the run has finished, and lists runs newest first', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const original = t.ctx.outbound.fetch;
    t.ctx.outbound.fetch = (async (...args: Parameters<typeof fetch>) => {
      await hold;
      return original(...args);
    }) as typeof fetch;
    try {
      const first = (await start(JSON.stringify(valid(1)))).json();
      const early = await t.app.inject({
        url: `/api/v1/destinations/${destinationId}/runs/${first.id}/results`,
        headers: t.auth,
      });
      expect(early.statusCode).toBe(409);
      expect(early.json().error.code).toBe('run_not_finished');
      release();
      await finished(first.id);
      const second = (await start(JSON.stringify(valid(2)))).json();
      await finished(second.id);
      const list = (
        await t.app.inject({ url: `/api/v1/destinations/${destinationId}/runs?limit=1`, headers: t.auth })
      ).json();
      expect(list.items.map((r: { id: string }) => r.id)).toEqual([second.id]);
      expect(list.nextCursor).toBe(second.id);
      // A destination's runs are not a source's.
      const wrong = await t.app.inject({
        url: `/api/v1/sources/${destinationId}/runs/${first.id}`,
        headers: t.auth,
      });
      expect(wrong.statusCode).toBe(404);
    } finally {
      t.ctx.outbound.fetch = original;
    }
  });
});

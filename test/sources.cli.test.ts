/**
 * `latchkey sources …` / `latchkey destinations …` against a real server process with the sandbox mounted:
 * the whole flow over HTTP, progress on stderr, exit codes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProgress } from '../src/cli/sources.js';
import { runCli } from './helpers/cli.js';
import { DEMO } from './helpers/sandbox.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { approveInBrowser } from './sandbox/browser-client.js';

const KEY = 'lk_sources_cli_test_key_0123456789';
const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

describe('latchkey sources / destinations against a running server', () => {
  let dir: string;
  let server: ServerProcess;
  let env: Record<string, string>;
  let sourceId: string;
  let destinationId: string;

  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${server.url}${p}`, {
      method,
      headers: auth,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-sources-cli-'));
    server = await startServerProcess({
      LATCHKEY_SANDBOX: '1',
      LATCHKEY_SANDBOX_ADVERTISEMENTS: '250',
      LATCHKEY_DATA_DIR: dir,
      LATCHKEY_DATABASE_URL: `sqlite:${dir}/latchkey.db`,
      LATCHKEY_BOOTSTRAP_API_KEY: KEY,
    });
    env = { LATCHKEY_URL: server.url, LATCHKEY_API_KEY: KEY };
    const reg = await fetch(`${server.url}/sandbox/2ememain/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'CLI test', redirect_uris: [`${server.url}/oauth/callback`] }),
    });
    const client = (await reg.json()) as { client_id: string; client_secret: string };
    const cred = await api('POST', '/api/v1/credentials', {
      connector: '2ememain-sandbox',
      name: 'Sandbox shop',
      clientId: client.client_id,
      clientSecret: client.client_secret,
    });
    const start = await api('POST', `/api/v1/credentials/${cred.id}/authorize`, {});
    const callback = await approveInBrowser(start.authorizationUrl as string, {
      ...DEMO,
      decision: 'authorize',
    });
    await fetch(callback, { headers: { accept: 'application/json' } });
    const common = { connector: '2ememain-sandbox', credentialId: cred.id, resource: 'advertisements' };
    sourceId = (await api('POST', '/api/v1/sources', { name: 'All ads', ...common })).id as string;
    destinationId = (await api('POST', '/api/v1/destinations', { name: 'New ads', ...common })).id as string;
  }, 60_000);
  afterAll(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sources run pulls every ad with progress on stderr and exits 0; --json prints the final run', async () => {
    const res = await runCli(['sources', 'run', sourceId], env);
    expect(res.stderr).toMatch(/^(queued|running)\s/);
    expect(res.stderr).toContain('succeeded 250/250 records (100%) · 3 pages');
    expect(res.stdout).toMatch(/^run run_\w+ succeeded: 250 records, 3 pages in \d+\.\ds\n$/);
    expect(res.code).toBe(0);

    const json = await runCli(['sources', 'run', sourceId, '--json'], env);
    expect(json.code).toBe(0);
    const run = JSON.parse(json.stdout);
    expect(run).toMatchObject({
      sourceId,
      kind: 'source',
      status: 'succeeded',
      records: 250,
      pages: 3,
      total: 250,
    });
    const lines = fs
      .readFileSync(path.join(dir, 'runs', `${run.id}.jsonl`), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(250);
  });

  it('sources list and destinations list, as a table or JSON', async () => {
    const table = await runCli(['sources', 'list'], env);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+CONNECTOR\s+RESOURCE\s+CREDENTIAL\s+CREATED$/);
    expect(table.stdout).toContain(sourceId);
    const json = await runCli(['destinations', 'list', '--json'], env);
    expect(JSON.parse(json.stdout).items.map((d: { id: string }) => d.id)).toEqual([destinationId]);
  });

  it('destinations run uploads a file, summarises the failed records by line and exits 1', async () => {
    const file = path.join(dir, 'records.jsonl');
    const ad = (title: string) => ({
      title,
      categoryId: 445,
      priceModel: { modality: 'free' },
      location: { postcode: '1000' },
    });
    fs.writeFileSync(
      file,
      [ad('Vélo'), ad(''), ad('Lampe')].map((r) => JSON.stringify(r)).join('\n') + '\n{oops\n',
    );
    const res = await runCli(['destinations', 'run', destinationId, '--file', file, '--json'], env);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: 'succeeded', records: 2, failed: 2, total: 4 });
    expect(res.stderr).toContain('2 of 4 records failed:');
    expect(res.stderr).toContain(
      'line 2: HTTP 400 validation-error: The advertisement is invalid (title must not be empty)',
    );
    expect(res.stderr).toContain('line 4: invalid_json: the line is not valid JSON');

    fs.writeFileSync(file, JSON.stringify(ad('Chaise')) + '\n');
    const ok = await runCli(['destinations', 'run', destinationId, '-f', file], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/succeeded: 1 record, 0 failed/);
  });

  it('says what went wrong in one line, with an exit code scripts can use', async () => {
    const missing = await runCli(['sources', 'run', 'src_nope'], env);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toBe('latchkey sources: not_found: source not found\n');
    const badKey = await runCli(['sources', 'list'], { ...env, LATCHKEY_API_KEY: 'lk_wrong_key_0123456789' });
    expect(badKey.code).toBe(5);
    expect(badKey.stderr.trim().split('\n')).toHaveLength(1);
    expect(badKey.stderr).toContain('unauthorized');
    const noKey = await runCli(['sources', 'list'], { LATCHKEY_URL: server.url });
    expect(noKey.stderr).toContain('set LATCHKEY_API_KEY');
    const down = await runCli(['sources', 'list'], {
      LATCHKEY_URL: 'http://127.0.0.1:9',
      LATCHKEY_API_KEY: KEY,
    });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot reach Latchkey at http://127.0.0.1:9');
    expect((await runCli(['sources', 'run'], env)).code).toBe(2);
    expect((await runCli(['destinations', 'run', destinationId], env)).code).toBe(2);
    expect((await runCli(['sources', 'frobnicate'], env)).code).toBe(2);
    const help = await runCli(['sources', 'run', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('latchkey sources <command>');
    expect((await runCli(['destinations', '--help'], {})).stdout).toContain('--file records.jsonl');
    expect((await runCli(['--help'], {})).stdout).toContain('sources list|run');
  });
});

describe('progress line', () => {
  const run = {
    id: 'run_1',
    sourceId: 'src_1',
    kind: 'source' as const,
    status: 'running' as const,
    records: 120,
    pages: 2,
    failed: 0,
    total: 250,
    startedAt: null,
    finishedAt: null,
    durationMs: 3100,
    error: null,
  };
  it('shows records, pages and elapsed time, with a percentage when the total is known', () => {
    expect(formatProgress(run, 0)).toBe('running   120/250 records (48%) · 2 pages · 3.1s');
    expect(formatProgress({ ...run, total: null, pages: 1 }, 0)).toBe(
      'running   120 records · 1 page · 3.1s',
    );
    expect(formatProgress({ ...run, kind: 'destination', failed: 5, durationMs: null }, 1500)).toBe(
      'running   125/250 records (50%) · 5 failed · 1.5s',
    );
  });
});

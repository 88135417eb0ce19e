import fs from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { createContext, type AppContext } from '../src/context.js';
import { createLogger } from '../src/logging/index.js';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.js';
import { testMasterKey } from './helpers/app.js';

describeEachDialect('latchkey CLI', (dialect) => {
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeEach(async () => {
    db = await createTestDatabase(dialect);
    env = { LATCHKEY_DATABASE_URL: db.url, LATCHKEY_DATA_DIR: db.dataDir };
    if (dialect === 'postgres') env.LATCHKEY_MASTER_KEY = testMasterKey();
  });
  afterEach(() => db.drop());

  it('migrates, then reports the database up to date', async () => {
    const first = await runCli(['migrate', '--json'], env);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).applied).toContain('0001_initial');
    const again = await runCli(['migrate'], env);
    expect(again.stdout).toBe('database is up to date\n');
  });

  it('creates an API key that is printed once, stored hashed, and works', async () => {
    const res = await runCli(['api-keys', 'create', '--name', 'ci', '--role', 'editor', '--json'], env);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.key).toMatch(/^lk_[A-Za-z0-9_-]{43}$/);
    expect(out.role).toBe('editor');
    const ctx: AppContext = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }), {
      log: createLogger('silent'),
    });
    try {
      const rows = await ctx.db.kysely.selectFrom('api_keys').selectAll().execute();
      const row = rows.find((r) => r.id === out.id)!;
      expect(row.key_hash).not.toContain(out.key);
      expect(JSON.stringify(rows)).not.toContain(out.key);
      expect(row.last_four).toBe(out.key.slice(-4));
      const { findApiKey } = await import('../src/auth/index.js');
      expect((await findApiKey(ctx.db, out.key))?.role).toBe('editor');
    } finally {
      await ctx.close();
    }
  });

  it('refuses bad arguments with exit code 2', async () => {
    expect((await runCli(['api-keys', 'create'], env)).code).toBe(2);
    expect((await runCli(['api-keys', 'create', '--name', 'x', '--role', 'root'], env)).code).toBe(2);
    expect((await runCli(['frobnicate'], env)).code).toBe(2);
  });
});

it('stops with one line naming the variable on bad configuration', async () => {
  const res = await runCli(['start'], { PORT: 'abc' });
  expect(res.code).toBe(1);
  expect(res.stderr.trim().split('\n')).toHaveLength(1);
  expect(res.stderr).toMatch(/^latchkey: invalid configuration: PORT: /);
});

it('prints help', async () => {
  const res = await runCli(['--help'], {});
  expect(res.code).toBe(0);
  for (const cmd of ['start', 'migrate', 'keys rotate', 'api-keys create']) expect(res.stdout).toContain(cmd);
  expect(fs.existsSync('dist/src/cli/main.js')).toBe(true);
});

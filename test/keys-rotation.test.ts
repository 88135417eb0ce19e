import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { createContext, type AppContext } from '../src/context.js';
import { createLogger } from '../src/logging/index.js';
import { countByKey, keyFilePath, resealAll } from '../src/vault/index.js';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from './helpers/databases.js';

const key = () => randomBytes(32).toString('base64');
const silent = createLogger('silent');

async function seed(ctx: AppContext, n: number): Promise<Map<string, string>> {
  const secrets = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const secret = `secret-${i}-${randomBytes(4).toString('hex')}`;
    const view = await ctx.credentials.create(
      { workspaceId: ctx.defaultWorkspaceId, actor: { type: 'system', id: null }, requestId: null },
      { connector: '2ememain', name: `c${i}`, clientId: `id${i}`, clientSecret: secret },
    );
    secrets.set(view.id, secret);
  }
  return secrets;
}

async function expectReadable(ctx: AppContext, secrets: Map<string, string>): Promise<void> {
  for (const [id, secret] of secrets) {
    const row = await ctx.credentials.load(ctx.defaultWorkspaceId, id);
    expect(ctx.vault.open(row.client_secret_sealed, `${id}:client_secret`)).toBe(secret);
  }
}

describeEachDialect('master key rotation', (dialect) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(dialect);
  });
  afterEach(() => db.drop());

  it('re-seals every secret under the new active key of LATCHKEY_MASTER_KEYS and keeps them readable', async () => {
    const oldKey = key();
    const base = { LATCHKEY_DATABASE_URL: db.url, LATCHKEY_DATA_DIR: db.dataDir, LOG_LEVEL: 'silent' };
    const before = await createContext(loadConfig({ ...base, LATCHKEY_MASTER_KEYS: `old:${oldKey}` }), {
      log: silent,
    });
    const secrets = await seed(before, 25);
    await before.close();

    const after = await createContext(
      loadConfig({ ...base, LATCHKEY_MASTER_KEYS: `new:${key()},old:${oldKey}` }),
      { log: silent },
    );
    try {
      expect(await countByKey(after.db, after.vault)).toEqual({ old: 25 });
      const report = await resealAll(after.db, after.vault, { batchSize: 7 });
      expect(report.resealed).toBe(25);
      expect(report.remainingByKey).toEqual({ new: 25 });
      await expectReadable(after, secrets);
      // A second pass has nothing left to do.
      expect((await resealAll(after.db, after.vault)).resealed).toBe(0);
    } finally {
      await after.close();
    }
  });

  it('`latchkey keys rotate` adds a key to the key file and re-seals under it', async () => {
    const env: Record<string, string> = { LATCHKEY_DATABASE_URL: db.url, LATCHKEY_DATA_DIR: db.dataDir };
    if (dialect === 'postgres') {
      // A cluster normally sets LATCHKEY_MASTER_KEYS; a key file that exists already is honoured too.
      fs.writeFileSync(keyFilePath(db.dataDir), `first:${key()}\n`, { mode: 0o600 });
    }
    const ctx = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }), { log: silent });
    const firstKey = ctx.vault.activeKeyId;
    const secrets = await seed(ctx, 5);
    await ctx.close();

    const res = await runCli(['keys', 'rotate', '--json'], env);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.addedKeyId).not.toBe(firstKey);
    expect(report.remainingByKey).toEqual({ [report.addedKeyId]: 5 });
    const lines = fs
      .readFileSync(path.join(db.dataDir, 'master.key'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(lines.map((l) => l.split(':')[0])).toEqual([report.addedKeyId, firstKey]);
    expect(fs.statSync(path.join(db.dataDir, 'master.key')).mode & 0o777).toBe(0o600);

    const reopened = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }), { log: silent });
    try {
      expect(reopened.vault.activeKeyId).toBe(report.addedKeyId);
      await expectReadable(reopened, secrets);
    } finally {
      await reopened.close();
    }
  });
});

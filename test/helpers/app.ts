/** A real context and app over a fresh database of one dialect, for `app.inject()` tests. */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createContext, type AppContext } from '../../src/context.js';
import { createLogger } from '../../src/logging/index.js';
import { createTestDatabase, type DialectName, type TestDatabase } from './databases.js';

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  config: Config;
  database: TestDatabase;
  /** The environment the config was read from (to open a second context on the same database). */
  env: Record<string, string>;
  /** An admin API key of the default workspace. */
  apiKey: string;
  auth: { authorization: string };
  close(): Promise<void>;
}

export function testMasterKey(): string {
  return randomBytes(32).toString('base64');
}

export async function createTestApp(
  dialect: DialectName,
  env: Record<string, string> = {},
  options: BuildOptions & { log?: ReturnType<typeof createLogger> } = {},
): Promise<TestApp> {
  const database = await createTestDatabase(dialect);
  const apiKey = `lk_test_${randomBytes(16).toString('hex')}`;
  const fullEnv = {
    LATCHKEY_DATABASE_URL: database.url,
    LATCHKEY_DATA_DIR: database.dataDir,
    LATCHKEY_MASTER_KEY: testMasterKey(),
    LATCHKEY_BOOTSTRAP_API_KEY: apiKey,
    LATCHKEY_REFRESHER: '0',
    LOG_LEVEL: 'silent',
    ...env,
  };
  const config = loadConfig(fullEnv);
  const ctx = await createContext(config, { log: options.log ?? createLogger(config.logLevel) });
  const app = await buildApp(ctx, options);
  await app.ready();
  return {
    app,
    ctx,
    config,
    database,
    env: fullEnv,
    apiKey,
    auth: { authorization: `Bearer ${apiKey}` },
    async close() {
      await app.close();
      await ctx.close();
      await database.drop();
    },
  };
}

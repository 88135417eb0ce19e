// A seeded Latchkey for benchmarks: a connector whose API is `apiBaseUrl`, active credentials with long-lived
// tokens (no refresh during a run), an admin API key, and server processes from the compiled output.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startServer, waitHealthy } from './processes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(root, 'dist/src/cli/main.js');
const dist = (p) => import(path.join(root, 'dist/src', p));

export function benchConnector(id, apiBaseUrl, authBase = 'https://auth.bench.invalid') {
  return {
    id,
    name: `Bench ${id}`,
    auth: {
      type: 'oauth2',
      authorizationUrl: `${authBase}/authorize`,
      tokenUrl: `${authBase}/token`,
      tokenEndpointAuthMethod: 'client_secret_post',
    },
    api: { baseUrl: apiBaseUrl, headers: { Accept: 'application/json' } },
  };
}

/**
 * Prepare a data folder, database and connectors; `credentials` active ones are created with tokens that
 * live `tokenTtlS`. Returns the environment for server processes.
 */
export async function seed({ apiBaseUrl, databaseUrl, credentials = 1, tokenTtlS = 86_400, connector }) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-'));
  const connectorsDir = path.join(dataDir, 'connectors');
  fs.mkdirSync(connectorsDir);
  const c = connector ?? benchConnector('bench', apiBaseUrl);
  fs.writeFileSync(path.join(connectorsDir, `${c.id}.json`), JSON.stringify(c));
  const apiKey = `lk_bench_${randomBytes(12).toString('hex')}`;
  const env = {
    LATCHKEY_DATA_DIR: dataDir,
    LATCHKEY_DATABASE_URL: databaseUrl ?? `sqlite:${path.join(dataDir, 'latchkey.db')}`,
    LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64'),
    LATCHKEY_CONNECTORS_DIR: connectorsDir,
    LATCHKEY_BOOTSTRAP_API_KEY: apiKey,
    LATCHKEY_REFRESHER: '0',
    // Load generators are one client hammering one key: the per-key rate limit would measure itself.
    LATCHKEY_RATE_LIMIT_PER_MIN: '0',
    LOG_LEVEL: 'warn',
  };
  const { loadConfig } = await dist('config/index.js');
  const { createContext } = await dist('context.js');
  const { createLogger } = await dist('logging/index.js');
  const { tokenColumns } = await dist('tokens/index.js');
  const ctx = await createContext(loadConfig(env), { log: createLogger('warn', process.stderr) });
  const ids = [];
  try {
    const op = {
      workspaceId: ctx.defaultWorkspaceId,
      actor: { type: 'system', id: 'bench' },
      requestId: null,
    };
    for (let i = 0; i < credentials; i++) {
      const view = await ctx.credentials.create(op, {
        connector: c.id,
        name: `bench ${i}`,
        clientId: 'bench-client',
        clientSecret: 'bench-secret',
      });
      const now = Date.now();
      const patch = tokenColumns(ctx.vault, {
        credentialId: view.id,
        tokens: {
          accessToken: 'bench-token',
          refreshToken: `bench-refresh-${i}`,
          tokenType: 'bearer',
          expiresIn: tokenTtlS,
          scope: null,
        },
        fallbackScope: null,
        now,
        refreshAheadMs: 300_000,
        keepaliveMs: 7 * 86_400_000,
      });
      await ctx.db.kysely
        .updateTable('credentials')
        .set({ ...patch, status: 'active', token_version: 1 })
        .where('id', '=', view.id)
        .execute();
      ids.push(view.id);
    }
  } finally {
    await ctx.close();
  }
  return {
    env,
    apiKey,
    credentialIds: ids,
    dataDir,
    cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
}

/**
 * Start `count` server processes on the seeded environment. Like a cluster behind one address, they share
 * one public URL (the first process's), which is where OAuth redirects come back to.
 */
export async function startLatchkeys(env, count = 1, extraEnv = {}) {
  const servers = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const s = startServer(CLI, {
      ...env,
      ...extraEnv,
      PORT: String(port),
      LATCHKEY_PUBLIC_URL: servers[0]?.url ?? url,
    });
    await waitHealthy(`${url}/healthz`);
    servers.push({ ...s, url });
  }
  return servers;
}

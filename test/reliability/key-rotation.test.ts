/**
 * Master-key rotation under load. A server process on the embedded default (SQLite, key file) serves a
 * steady stream of token hand-outs and proxied calls for credentials whose tokens live 4 s (so refreshes
 * re-seal tokens all the time), while authorizations in progress hold sealed PKCE verifiers and a webhook
 * holds a sealed secret; `latchkey keys rotate` runs against the same data folder while it serves. No
 * request fails, the rotation reports nothing left under the old key, and afterwards — once the load has
 * gone on past the server's key-file reload — every sealed value of every column is under the new key and
 * opens.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/index.js';
import { sandboxConnector, type SandboxServer } from '../../src/sandbox/index.js';
import { countByKey, keyFilePath } from '../../src/vault/index.js';
import { readKeyFile } from '../../src/vault/keyring.js';
import { SEALED_COLUMNS } from '../../src/vault/rotate.js';
import { Vault } from '../../src/vault/vault.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { DEMO, registerClient, startTestSandbox } from '../helpers/sandbox.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { approveInBrowser } from '../sandbox/browser-client.js';
import { sleep } from './support.js';

const API_KEY = 'lk_rotation_test_key_0123456789abcdef';
const auth = { authorization: `Bearer ${API_KEY}`, accept: 'application/json' };

describe('master key rotation while serving [sqlite, key file]', () => {
  let sandbox: SandboxServer;
  let database: TestDatabase;
  let server: ServerProcess;
  let env: Record<string, string>;
  let db: Db;
  const ids: string[] = [];

  beforeAll(async () => {
    sandbox = await startTestSandbox({ advertisements: 5 });
    database = await createTestDatabase('sqlite');
    const connectorsDir = path.join(database.dataDir, 'connectors');
    fs.mkdirSync(connectorsDir);
    fs.writeFileSync(
      path.join(connectorsDir, '2ememain-sandbox.json'),
      JSON.stringify(sandboxConnector(sandbox.url)),
    );
    env = {
      LATCHKEY_DATABASE_URL: database.url,
      LATCHKEY_DATA_DIR: database.dataDir,
      LATCHKEY_BOOTSTRAP_API_KEY: API_KEY,
      LATCHKEY_CONNECTORS_DIR: connectorsDir,
      LATCHKEY_PROVIDER_TIMEOUT_MS: '3000',
      // Load, not abuse: the per-caller rate limit stays out of the way.
      LATCHKEY_RATE_LIMIT_PER_MIN: '0',
    };
    // No LATCHKEY_MASTER_KEY: the embedded default generates data/master.key.
    server = await startServerProcess(env);
    expect(fs.existsSync(keyFilePath(database.dataDir))).toBe(true);
    for (let i = 0; i < 3; i++) {
      const client = await registerClient(sandbox.url, `${server.url}/oauth/callback`, {
        access_token_ttl_s: 4,
      });
      const created = await fetch(`${server.url}/api/v1/credentials`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          connector: '2ememain-sandbox',
          name: `rot ${i}`,
          clientId: client.clientId,
          clientSecret: client.clientSecret,
        }),
      });
      const id = ((await created.json()) as { id: string }).id;
      const start = await fetch(`${server.url}/api/v1/credentials/${id}/authorize`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{}',
      });
      const { authorizationUrl } = (await start.json()) as { authorizationUrl: string };
      const back = new URL(await approveInBrowser(authorizationUrl, { ...DEMO, decision: 'authorize' }));
      const done = await fetch(`${server.url}${back.pathname}${back.search}`, { headers: auth });
      expect(((await done.json()) as { result: string }).result).toBe('authorized');
      ids.push(id);
    }
    const hook = await fetch(`${server.url}/api/v1/webhooks`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', events: ['credential.refreshed'] }),
    });
    expect(hook.status).toBe(201);
    db = openDatabase({ kind: 'sqlite', path: database.name });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await db?.destroy();
    await sandbox?.close();
    await database?.drop();
  }, 30_000);

  /** Every sealed value of every column, opened with the keys of the key file; counts by key id. */
  async function audit(): Promise<Record<string, number>> {
    const vault = new Vault(readKeyFile(keyFilePath(database.dataDir)));
    for (const col of SEALED_COLUMNS) {
      const rows = (await db.kysely
        .selectFrom(col.table as 'credentials')
        .select([col.key, col.column, ...col.extra] as never[])
        .where(col.column as 'id', 'is not', null)
        .execute()) as unknown as Record<string, string>[];
      for (const r of rows)
        expect(() => vault.open(r[col.column]!, col.aad(r)), `${col.table}.${col.column}`).not.toThrow();
    }
    return countByKey(db, vault);
  }

  it('rotates with no failed request, and leaves every sealed value under the new key', async () => {
    const before = await audit();
    const [oldKey] = Object.keys(before);
    expect(Object.keys(before)).toEqual([oldKey]);

    const answers: { status: number; via: string; body: string }[] = [];
    let running = true;
    const worker = async (n: number) => {
      for (let i = 0; running; i++) {
        const id = ids[(n + i) % ids.length]!;
        const via =
          i % 7 === 6
            ? `/api/v1/credentials/${id}/authorize`
            : i % 3 === 2
              ? `/api/v1/proxy/${id}/me`
              : `/api/v1/credentials/${id}/token`;
        const method = via.endsWith('/authorize') ? 'POST' : 'GET';
        try {
          const res = await fetch(`${server.url}${via}`, {
            method,
            headers: method === 'POST' ? { ...auth, 'content-type': 'application/json' } : auth,
            body: method === 'POST' ? '{}' : undefined,
            signal: AbortSignal.timeout(10_000),
          });
          answers.push({ status: res.status, via, body: await res.text() });
        } catch (err) {
          answers.push({ status: 0, via, body: String(err) });
        }
        await sleep(20);
      }
    };
    const load = Promise.all([0, 1, 2].map(worker));
    await sleep(2500);
    const rotated = await runCli(['keys', 'rotate', '--json'], env, 60_000);
    // Past the server's key-file reload (2 s), with refreshes going on.
    await sleep(4500);
    running = false;
    await load;

    expect(rotated.code, rotated.stderr + rotated.stdout).toBe(0);
    const report = JSON.parse(rotated.stdout) as {
      addedKeyId: string;
      remainingByKey: Record<string, number>;
    };
    expect(report.addedKeyId).not.toBe(oldKey);
    expect(Object.keys(report.remainingByKey), 'the rotation left nothing under the old key').toEqual([
      report.addedKeyId,
    ]);

    expect(answers.length).toBeGreaterThan(100);
    expect(
      answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.via} ${a.body.slice(0, 200)}`),
    ).toEqual([]);
    const refreshed = await db.kysely.selectFrom('credentials').select(['token_version']).execute();
    expect(
      refreshed.every((r) => Number(r.token_version) > 1),
      'tokens were refreshed during the test',
    ).toBe(true);

    const after = await audit();
    expect(Object.keys(after), `sealed values by key after the load: ${JSON.stringify(after)}`).toEqual([
      report.addedKeyId,
    ]);
    console.log(
      `[key-rotation] ${answers.length} requests, rotation ${JSON.stringify(report.remainingByKey)}, after ${JSON.stringify(after)}`,
    );
  }, 60_000);
});

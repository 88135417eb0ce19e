/**
 * Cluster behaviour with real processes on one PostgreSQL database: exactly one refresh per expiry across
 * three servers, and a server killed (SIGKILL) while holding the refresh lease blocks the others only until
 * the lease expires — nothing is lost.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxConnector, type SandboxServer } from '../src/sandbox/index.js';
import { approveInBrowser } from './sandbox/browser-client.js';
import { testMasterKey } from './helpers/app.js';
import { createTestDatabase, POSTGRES_URL, type TestDatabase } from './helpers/databases.js';
import { DEMO, registerClient, startTestSandbox } from './helpers/sandbox.js';
import { startGate, startServerProcess, type ServerProcess } from './helpers/server-process.js';
import pg from 'pg';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const API_KEY = 'lk_cluster_test_key_0123456789abcdef';
const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

describe.skipIf(!POSTGRES_URL)(
  `cluster of server processes on PostgreSQL${POSTGRES_URL ? '' : ' — skipped: set LATCHKEY_TEST_POSTGRES_URL'}`,
  () => {
    let sandbox: SandboxServer;
    let gate: Awaited<ReturnType<typeof startGate>>;
    let db: TestDatabase;
    let servers: ServerProcess[] = [];
    let connectorsDir: string;

    beforeAll(async () => {
      sandbox = await startTestSandbox();
      gate = await startGate(Number(new URL(sandbox.url).port));
      db = await createTestDatabase('postgres');
      connectorsDir = path.join(db.dataDir, 'connectors');
      fs.mkdirSync(connectorsDir);
      // The token endpoint is reached through the gate; everything else directly.
      const c = sandboxConnector(sandbox.url);
      const viaGate = new URL(c.auth.tokenUrl);
      viaGate.port = String(gate.port);
      fs.writeFileSync(
        path.join(connectorsDir, 'cluster-sandbox.json'),
        JSON.stringify({ ...c, id: 'cluster-sandbox', auth: { ...c.auth, tokenUrl: viaGate.toString() } }),
      );
      const env = {
        LATCHKEY_DATABASE_URL: db.url,
        LATCHKEY_DATA_DIR: db.dataDir,
        LATCHKEY_MASTER_KEY: testMasterKey(),
        LATCHKEY_BOOTSTRAP_API_KEY: API_KEY,
        LATCHKEY_CONNECTORS_DIR: connectorsDir,
        LATCHKEY_REFRESHER: '0',
        LATCHKEY_PROVIDER_TIMEOUT_MS: '2000',
      };
      const first = await startServerProcess(env);
      servers = [
        first,
        ...(await Promise.all(
          [1, 2].map(() => startServerProcess({ ...env, LATCHKEY_PUBLIC_URL: first.url })),
        )),
      ];
    }, 90_000);

    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await gate?.close();
      await sandbox?.close();
      await db?.drop();
    });

    /** Create and authorize a credential through server `via`, with `ttl`-second access tokens. */
    async function authorized(via: ServerProcess, ttl: number): Promise<string> {
      const client = await registerClient(sandbox.url, `${servers[0]!.url}/oauth/callback`, {
        access_token_ttl_s: ttl,
      });
      const created = await fetch(`${via.url}/api/v1/credentials`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          connector: 'cluster-sandbox',
          name: 'cluster',
          clientId: client.clientId,
          clientSecret: client.clientSecret,
        }),
      });
      const id = ((await created.json()) as { id: string }).id;
      const start = await fetch(`${via.url}/api/v1/credentials/${id}/authorize`, {
        method: 'POST',
        headers: auth,
        body: '{}',
      });
      const { authorizationUrl } = (await start.json()) as { authorizationUrl: string };
      const callback = new URL(await approveInBrowser(authorizationUrl, { ...DEMO, decision: 'authorize' }));
      const done = await fetch(`${via.url}${callback.pathname}${callback.search}`, {
        headers: { accept: 'application/json' },
      });
      expect(((await done.json()) as { result: string }).result).toBe('authorized');
      return id;
    }

    const getToken = async (s: ServerProcess, id: string) => {
      const res = await fetch(`${s.url}/api/v1/credentials/${id}/token`, { headers: auth });
      return {
        status: res.status,
        body: (await res.json()) as { accessToken?: string; error?: { code: string } },
      };
    };

    it('1,000 callers across 3 processes on an expired token: exactly one refresh at the provider, one token for all', async () => {
      const id = await authorized(servers[2]!, 6);
      await sleep(3100); // past half of the 6 s lifetime
      sandbox.sandbox.reset();
      const answers = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => getToken(servers[i % 3]!, id)),
      );
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
      expect(new Set(answers.map((a) => a.body.accessToken)).size).toBe(1);
      expect(sandbox.sandbox.stats().refreshes).toBe(1);
      expect(sandbox.sandbox.stats().tokenRequests.total).toBe(1);
      const me = await fetch(`${sandbox.url}/api/v1/me`, {
        headers: { authorization: `Bearer ${answers[0]!.body.accessToken}`, accept: 'application/json' },
      });
      expect(me.status).toBe(200);
    });

    it('a process killed while holding the refresh lease blocks the others only until the lease ends; nothing is lost', async () => {
      const id = await authorized(servers[2]!, 2);
      await sleep(2100);
      sandbox.sandbox.reset();
      gate.hold();
      const victim = servers[0]!;
      void getToken(victim, id).catch(() => {});
      // Wait until the victim holds the lease (its provider call is stuck in the gate).
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      let leaseUntil = 0;
      for (let i = 0; i < 100 && !leaseUntil; i++) {
        const r = await client.query('select lease_owner, lease_until from credentials where id = $1', [id]);
        if (r.rows[0].lease_owner) leaseUntil = Number(r.rows[0].lease_until);
        else await sleep(50);
      }
      await client.end();
      expect(leaseUntil).toBeGreaterThan(Date.now());
      await victim.kill();
      await sleep(300); // let the gate see the dead process's connection close
      gate.release(); // the dead process's request never reaches the provider
      const started = Date.now();
      const survivor = await getToken(servers[1]!, id);
      const waited = Date.now() - started;
      expect(survivor.status).toBe(200);
      expect(Date.now()).toBeGreaterThanOrEqual(leaseUntil - 50);
      expect(waited).toBeLessThan(2000 + 5000 + 3000);
      expect(sandbox.sandbox.stats().refreshes).toBe(1);
      const me = await fetch(`${sandbox.url}/api/v1/me`, {
        headers: { authorization: `Bearer ${survivor.body.accessToken}`, accept: 'application/json' },
      });
      expect(me.status).toBe(200);
      const third = await getToken(servers[2]!, id);
      expect(third.body.accessToken).toBe(survivor.body.accessToken);
    });
  },
);

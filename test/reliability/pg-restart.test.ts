/**
 * PostgreSQL restarted under load. Two real server processes on a fresh database serve a bounded stream of
 * token hand-outs and proxied calls (one credential refreshing all the time, through a slow provider);
 * the PostgreSQL cluster is stopped and started again. Asserted: both processes survive and reconnect;
 * `/readyz` answers 503 while the database is down and 200 after; requests in the outage fail with a
 * listed JSON error (503 `service_unavailable`, or a provider 502/504), never a 500 or a dropped
 * connection; nothing is lost (every credential active with working tokens, the long-lived ones
 * untouched); and the cross-process cache coherence (LISTEN/NOTIFY) reconnects: a revocation made
 * through one process after the restart is seen at once by the other, which serves from its cache.
 *
 * It restarts the machine's PostgreSQL cluster, which every other PostgreSQL test uses: it runs only
 * with LATCHKEY_TEST_PG_RESTART=1, alone, as a separate step after the main suite (see .ci/run):
 *
 *   LATCHKEY_TEST_PG_RESTART=1 npx vitest run test/reliability/pg-restart.test.ts
 *
 * LATCHKEY_TEST_PG_CLUSTER (`<version>/<name>`, default: the one version in /etc/postgresql, `main`) names
 * the cluster to restart; it must be the server LATCHKEY_TEST_POSTGRES_URL points at.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { sandboxConnector } from '../../src/sandbox/index.js';
import { testMasterKey } from '../helpers/app.js';
import { createTestDatabase, POSTGRES_URL, type TestDatabase } from '../helpers/databases.js';
import { DEMO, registerClient, startTestSandbox } from '../helpers/sandbox.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { approveInBrowser } from '../sandbox/browser-client.js';
import { expectErrorBody, sleep } from './support.js';

const ENABLED = process.env.LATCHKEY_TEST_PG_RESTART === '1' && Boolean(POSTGRES_URL);
const API_KEY = 'lk_pg_restart_test_key_0123456789abcdef';
const auth = { authorization: `Bearer ${API_KEY}`, accept: 'application/json' };

function cluster(): [string, string] {
  const named = process.env.LATCHKEY_TEST_PG_CLUSTER;
  if (named) return named.split('/') as [string, string];
  const versions = fs.existsSync('/etc/postgresql') ? fs.readdirSync('/etc/postgresql') : [];
  if (versions.length !== 1)
    throw new Error(`expected one PostgreSQL version in /etc/postgresql, found ${versions.join(', ')}`);
  return [versions[0]!, 'main'];
}

function pgctl(action: 'start' | 'stop'): void {
  const [version, name] = cluster();
  const args = [
    '--skip-systemctl-redirect',
    version,
    name,
    action,
    ...(action === 'stop' ? ['-m', 'fast'] : []),
  ];
  execFileSync('pg_ctlcluster', args, { stdio: 'pipe', timeout: 60_000 });
}

async function pgUp(): Promise<boolean> {
  const c = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 1000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * The databases of other Latchkey tests and benchmarks with open connections: a restart now would break
 * them. Waits up to `waitMs` for them to finish.
 */
async function othersOnPostgres(own: string, waitMs: number): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    let busy: string[];
    try {
      const r = await c.query<{ datname: string }>(
        `select distinct datname from pg_stat_activity
          where (datname like 'latchkey_test_%' or datname like 'latchkey_bench_%') and datname <> $1`,
        [own],
      );
      busy = r.rows.map((row) => row.datname);
    } finally {
      await c.end();
    }
    if (busy.length === 0 || Date.now() > deadline) return busy;
    await sleep(500);
  }
}

interface Answer {
  at: number;
  server: number;
  via: string;
  status: number;
  body: string;
  headers: Record<string, string>;
  /** The request failed without an HTTP answer (reset, refused: the process died). */
  network?: string;
}

describe.skipIf(!ENABLED)(
  `PostgreSQL restarted under load${ENABLED ? '' : ' — skipped: runs alone with LATCHKEY_TEST_PG_RESTART=1 (and LATCHKEY_TEST_POSTGRES_URL)'}`,
  () => {
    let sandbox: SandboxServer;
    let db: TestDatabase;
    let servers: ServerProcess[] = [];
    let stable: string[] = [];
    let refreshing = '';

    beforeAll(async () => {
      expect(await pgUp(), 'PostgreSQL is up before the test').toBe(true);
      sandbox = await startTestSandbox({ advertisements: 5 });
      db = await createTestDatabase('postgres');
      const connectorsDir = path.join(db.dataDir, 'connectors');
      fs.mkdirSync(connectorsDir);
      fs.writeFileSync(
        path.join(connectorsDir, '2ememain-sandbox.json'),
        JSON.stringify(sandboxConnector(sandbox.url)),
      );
      const env = {
        LATCHKEY_DATABASE_URL: db.url,
        LATCHKEY_DATA_DIR: db.dataDir,
        LATCHKEY_MASTER_KEY: testMasterKey(),
        LATCHKEY_BOOTSTRAP_API_KEY: API_KEY,
        LATCHKEY_CONNECTORS_DIR: connectorsDir,
        LATCHKEY_PROVIDER_TIMEOUT_MS: '3000',
        // Load, not abuse: the per-caller rate limit stays out of the way.
        LATCHKEY_RATE_LIMIT_PER_MIN: '0',
      };
      const first = await startServerProcess(env);
      servers = [first, await startServerProcess({ ...env, LATCHKEY_PUBLIC_URL: first.url })];
      const authorized = async (ttl: number) => {
        const client = await registerClient(sandbox.url, `${first.url}/oauth/callback`, {
          access_token_ttl_s: ttl,
        });
        const created = await fetch(`${first.url}/api/v1/credentials`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({
            connector: '2ememain-sandbox',
            name: `ttl ${ttl}`,
            clientId: client.clientId,
            clientSecret: client.clientSecret,
          }),
        });
        const id = ((await created.json()) as { id: string }).id;
        const start = await fetch(`${first.url}/api/v1/credentials/${id}/authorize`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: '{}',
        });
        const { authorizationUrl } = (await start.json()) as { authorizationUrl: string };
        const back = new URL(await approveInBrowser(authorizationUrl, { ...DEMO, decision: 'authorize' }));
        const done = await fetch(`${first.url}${back.pathname}${back.search}`, { headers: auth });
        expect(((await done.json()) as { result: string }).result).toBe('authorized');
        return id;
      };
      stable = [await authorized(3600), await authorized(3600)];
      refreshing = await authorized(4);
    }, 90_000);

    afterAll(async () => {
      // Whatever happened, leave PostgreSQL running for everyone else.
      if (!(await pgUp())) {
        try {
          pgctl('start');
        } catch {
          // reported by the test itself
        }
      }
      await Promise.all(servers.map((s) => s.stop()));
      await sandbox?.close();
      await db?.drop().catch(() => {});
    }, 60_000);

    it('survives a restart: 503 while down, no 500, reconnects, nothing lost, coherence back', async () => {
      const ids = [...stable, refreshing];
      const sealedBefore = async () => {
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        try {
          const r = await c.query(
            'select id, client_secret_sealed, access_token_sealed, refresh_token_sealed, token_version from credentials where id = any($1) order by id',
            [stable],
          );
          return JSON.stringify(r.rows);
        } finally {
          await c.end();
        }
      };
      const stableBefore = await sealedBefore();
      // The provider is slow: refreshes of the short-lived credential are in flight when the database goes.
      sandbox.sandbox.setFaults({ token: { mode: 'delay', delayMs: 700 } });

      const answers: Answer[] = [];
      let running = true;
      const worker = async (n: number) => {
        for (let i = 0; running; i++) {
          const server = (n + i) % servers.length;
          const id = ids[(n * 7 + i) % ids.length]!;
          const via = i % 3 === 2 ? `/api/v1/proxy/${id}/me` : `/api/v1/credentials/${id}/token`;
          const at = Date.now();
          try {
            const res = await fetch(`${servers[server]!.url}${via}`, {
              headers: auth,
              signal: AbortSignal.timeout(15_000),
            });
            answers.push({
              at,
              server,
              via,
              status: res.status,
              body: await res.text(),
              headers: Object.fromEntries(res.headers),
            });
          } catch (err) {
            answers.push({
              at,
              server,
              via,
              status: 0,
              body: '',
              headers: {},
              network: String((err as Error).cause ?? err),
            });
          }
          await sleep(25);
        }
      };
      const load = Promise.all([0, 1, 2, 3].map(worker));

      await sleep(1500);
      // Never pull the database from under other tests (run in the same vitest call by mistake, or by others).
      const busy = await othersOnPostgres(db.name, 60_000);
      expect(busy, 'other PostgreSQL tests are running: run this file alone (see its header)').toEqual([]);
      const downAt = Date.now();
      pgctl('stop');
      const stoppedAt = Date.now();
      // While it is down: not ready, and the processes stay up.
      for (const s of servers) {
        const r = await fetch(`${s.url}/readyz`, { signal: AbortSignal.timeout(10_000) });
        expect(r.status, 'readyz while the database is down').toBe(503);
        expectErrorBody(
          { statusCode: r.status, headers: Object.fromEntries(r.headers), body: await r.text() },
          'readyz',
        );
      }
      await sleep(2000);
      pgctl('start');
      const upAt = Date.now();
      // Ready again within seconds.
      const readyAt: number[] = [];
      for (const s of servers) {
        const deadline = Date.now() + 20_000;
        for (;;) {
          const r = await fetch(`${s.url}/readyz`).catch(() => null);
          if (r?.status === 200) break;
          expect(Date.now(), 'ready again in time').toBeLessThan(deadline);
          await sleep(100);
        }
        readyAt.push(Date.now());
      }
      const recovered = Math.max(...readyAt);
      await sleep(3000);
      running = false;
      await load;
      sandbox.sandbox.setFaults({ token: { mode: 'none' } });

      // The processes never died, and no request went unanswered.
      for (const s of servers) expect(s.child.exitCode, s.output().slice(-2000)).toBeNull();
      expect(
        answers.filter((a) => a.network),
        'requests without an HTTP answer',
      ).toEqual([]);
      // No 500; every failure a listed JSON error of a dependency being down.
      const failures = answers.filter((a) => a.status !== 200);
      for (const a of failures) {
        expectErrorBody(
          { statusCode: a.status, headers: a.headers, body: a.body },
          `${a.via} at +${a.at - downAt} ms`,
        );
        expect([502, 503, 504], `${a.via}: ${a.body}`).toContain(a.status);
      }
      const during = answers.filter((a) => a.at >= stoppedAt && a.at < upAt);
      expect(during.length, 'load went on during the outage').toBeGreaterThan(0);
      expect(during.filter((a) => a.status === 503).length, 'the outage was visible as 503').toBeGreaterThan(
        0,
      );
      // Once both processes are ready again (plus a moment for a refresh held up by the outage), all is well.
      const settled = answers.filter((a) => a.at > recovered + 1500);
      expect(settled.length).toBeGreaterThan(10);
      expect(settled.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.via} ${a.body}`)).toEqual(
        [],
      );
      console.log(
        `[pg-restart] ${answers.length} requests; outage ${upAt - downAt} ms (stop took ${stoppedAt - downAt} ms), ` +
          `ready again after ${recovered - upAt} ms; during: ${JSON.stringify(
            during.reduce<Record<number, number>>(
              (m, a) => ({ ...m, [a.status]: (m[a.status] ?? 0) + 1 }),
              {},
            ),
          )}`,
      );

      // Nothing lost: the long-lived credentials are exactly as they were; all tokens work.
      expect(await sealedBefore(), 'stable credentials unchanged').toBe(stableBefore);
      for (const id of ids) {
        for (const s of servers) {
          const v = (await (await fetch(`${s.url}/api/v1/credentials/${id}`, { headers: auth })).json()) as {
            status: string;
          };
          expect(v.status).toBe('active');
          const tok = await fetch(`${s.url}/api/v1/credentials/${id}/token`, { headers: auth });
          expect(tok.status).toBe(200);
          const { accessToken } = (await tok.json()) as { accessToken: string };
          const me = await fetch(`${sandbox.url}/api/v1/me`, {
            headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
          });
          expect(me.status, `${id}'s token works`).toBe(200);
        }
      }

      // Coherence reconnected: both processes LISTEN again…
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      try {
        const deadline = Date.now() + 20_000;
        for (;;) {
          const r = await admin.query(
            "select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'LISTEN%'",
          );
          if (r.rows[0].n >= servers.length) break;
          expect(Date.now(), 'LISTEN connections are back').toBeLessThan(deadline);
          await sleep(200);
        }
      } finally {
        await admin.end();
      }
      // …so a revocation through the first is seen by the second, which had the token cached.
      const victim = stable[0]!;
      expect(
        (await fetch(`${servers[1]!.url}/api/v1/credentials/${victim}/token`, { headers: auth })).status,
      ).toBe(200);
      const revoked = await fetch(`${servers[0]!.url}/api/v1/credentials/${victim}/revoke`, {
        method: 'POST',
        headers: auth,
      });
      expect(revoked.status).toBe(200);
      const deadline = Date.now() + 2000;
      for (;;) {
        const r = await fetch(`${servers[1]!.url}/api/v1/credentials/${victim}/token`, { headers: auth });
        if (r.status === 409) {
          expect(((await r.json()) as { error: { code: string } }).error.code).toBe('credential_not_active');
          break;
        }
        expect(Date.now(), 'the other process stopped serving the revoked token').toBeLessThan(deadline);
        await sleep(50);
      }
    }, 120_000);
  },
);

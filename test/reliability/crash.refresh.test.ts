/**
 * SIGKILL at random points of a refresh, again and again. Each round a freshly started server process
 * forces refreshes of a few credentials through a provider that answers after a random delay, and is
 * killed at a random moment — before its request leaves, while the provider works on it, after the
 * provider rotated the refresh token but before the commit, or after. The TCP gate in front of the token
 * endpoint decides per round whether the requests reach the provider at all. Later rounds' processes take
 * over those credentials once the dead process's lease has run out, and check each one: its lease ended
 * (never stuck), its sealed values open, and it is either usable (a token that works, a refresh token that
 * refreshes) or honestly `reauthorization_required` with the reason — never `active` but broken. When the
 * gate held the requests back, nothing may be lost at all.
 *
 * Bounded: LATCHKEY_CRASH_ROUNDS (default 50) kills, a few credentials each; rounds overlap with the next
 * process's start-up and with the lease expiry of earlier rounds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/index.js';
import { sandboxConnector, type SandboxServer } from '../../src/sandbox/index.js';
import { aadFor } from '../../src/vault/index.js';
import { keyringFromEntries } from '../../src/vault/keyring.js';
import { Vault } from '../../src/vault/vault.js';
import { testMasterKey } from '../helpers/app.js';
import {
  createTestDatabase,
  POSTGRES_URL,
  type DialectName,
  type TestDatabase,
} from '../helpers/databases.js';
import { DEMO, registerClient, startTestSandbox } from '../helpers/sandbox.js';
import { startGate, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { approveInBrowser } from '../sandbox/browser-client.js';
import { sleep } from './support.js';

const ROUNDS = Number(process.env.LATCHKEY_CRASH_ROUNDS ?? 50);
const PER_ROUND = 3;
const POOL = 21;
const PROVIDER_TIMEOUT_MS = 1000;
/** The token service's lease: the provider deadline plus 5 s (src/tokens/service.ts). */
const LEASE_MS = PROVIDER_TIMEOUT_MS + 5000;
const API_KEY = 'lk_crash_test_key_0123456789abcdef';
const auth = { authorization: `Bearer ${API_KEY}`, accept: 'application/json' };
/** Never contacted: the callback is replayed to whichever process is alive. */
const PUBLIC_URL = 'http://127.0.0.1:9';
const dialect: DialectName = POSTGRES_URL ? 'postgres' : 'sqlite';

/** The fields of the API's answers this test reads. */
interface Answer {
  id: string;
  authorizationUrl: string;
  result: string;
  status: string;
  accessToken: string;
  lastError: { code: string; message: string } | null;
  error: { code: string; message: string };
}

interface Round {
  n: number;
  ids: string[];
  gate: 'held' | 'open';
  delayMs: number;
  killAfterMs: number;
  killedAt: number;
  versions: Map<string, number>;
  /** Refresh grants the provider carried out for this round's (dead) process. */
  processed: number;
}

describe(`SIGKILL during refreshes, ${ROUNDS} times [${dialect}]`, () => {
  let sandbox: SandboxServer;
  let gate: Awaited<ReturnType<typeof startGate>>;
  let database: TestDatabase;
  let db: Db;
  let vault: Vault;
  let env: Record<string, string>;
  const live = new Set<ServerProcess>();

  beforeAll(async () => {
    sandbox = await startTestSandbox({ advertisements: 5 });
    gate = await startGate(Number(new URL(sandbox.url).port));
    database = await createTestDatabase(dialect);
    const connectorsDir = path.join(database.dataDir, 'connectors');
    fs.mkdirSync(connectorsDir);
    const c = sandboxConnector(sandbox.url);
    const viaGate = new URL(c.auth.tokenUrl);
    viaGate.port = String(gate.port);
    fs.writeFileSync(
      path.join(connectorsDir, 'crash-sandbox.json'),
      JSON.stringify({ ...c, id: 'crash-sandbox', auth: { ...c.auth, tokenUrl: viaGate.toString() } }),
    );
    const masterKey = testMasterKey();
    vault = new Vault(keyringFromEntries([{ id: '', key: masterKey }], 'test'));
    env = {
      LATCHKEY_DATABASE_URL: database.url,
      LATCHKEY_DATA_DIR: database.dataDir,
      LATCHKEY_MASTER_KEY: masterKey,
      LATCHKEY_BOOTSTRAP_API_KEY: API_KEY,
      LATCHKEY_CONNECTORS_DIR: connectorsDir,
      LATCHKEY_REFRESHER: '0',
      LATCHKEY_PROVIDER_TIMEOUT_MS: String(PROVIDER_TIMEOUT_MS),
      LATCHKEY_PUBLIC_URL: PUBLIC_URL,
      LATCHKEY_RATE_LIMIT_PER_MIN: '0',
    };
    db = openDatabase(
      dialect === 'postgres'
        ? { kind: 'postgres', url: database.url }
        : { kind: 'sqlite', path: database.name },
    );
  }, 60_000);

  afterAll(async () => {
    // Processes still starting (after a failure) are waited for, so none is left behind.
    await Promise.allSettled([...spawning]);
    await Promise.all([...live].map((s) => s.kill()));
    await gate?.close();
    await sandbox?.close();
    await db?.destroy();
    await database?.drop();
  }, 60_000);

  const spawning = new Set<Promise<ServerProcess>>();
  function spawn(): Promise<ServerProcess> {
    const p = startServerProcess(env, { timeoutMs: 30_000 }).then((s) => {
      live.add(s);
      return s;
    });
    spawning.add(p);
    void p.finally(() => spawning.delete(p)).catch(() => {});
    return p;
  }

  async function kill(s: ServerProcess): Promise<void> {
    await s.kill();
    live.delete(s);
  }

  async function call(s: ServerProcess, url: string, method = 'GET', body?: string) {
    const res = await fetch(`${s.url}${url}`, {
      method,
      headers: body ? { ...auth, 'content-type': 'application/json' } : auth,
      body,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Answer };
  }

  async function authorize(s: ServerProcess, id: string): Promise<void> {
    const start = await call(s, `/api/v1/credentials/${id}/authorize`, 'POST', '{}');
    expect(start.status, JSON.stringify(start.json)).toBe(200);
    const back = new URL(
      await approveInBrowser(start.json.authorizationUrl, { ...DEMO, decision: 'authorize' }),
    );
    const done = await call(s, back.pathname + back.search);
    expect(done.json.result, JSON.stringify(done.json)).toBe('authorized');
  }

  const works = async (accessToken: string) =>
    (
      await fetch(`${sandbox.url}/api/v1/me`, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      })
    ).status;

  const row = (id: string) =>
    db.kysely.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  /** Take over one credential of a dead process's round; returns whether it had to be authorized again. */
  async function takeOver(
    s: ServerProcess,
    round: Round,
    id: string,
  ): Promise<'usable' | 'refreshed' | 'lost'> {
    const where = `round ${round.n} (gate ${round.gate}, provider +${round.delayMs} ms, kill +${round.killAfterMs} ms) ${id}`;
    const r = await row(id);
    // The dead process's lease ended on its own: granted before the kill, it lasted at most LEASE_MS.
    if (r.lease_until !== null)
      expect(Number(r.lease_until), `${where}: lease end`).toBeLessThanOrEqual(
        round.killedAt + LEASE_MS + 50,
      );
    // Every sealed value opens with the master key.
    expect(() => vault.open(r.client_secret_sealed, aadFor(id, 'client_secret')), where).not.toThrow();
    if (r.access_token_sealed)
      expect(() => vault.open(r.access_token_sealed!, aadFor(id, 'access_token')), where).not.toThrow();
    if (r.refresh_token_sealed)
      expect(() => vault.open(r.refresh_token_sealed!, aadFor(id, 'refresh_token')), where).not.toThrow();
    const committed = Number(r.token_version) > round.versions.get(id)!;

    const view = (await call(s, `/api/v1/credentials/${id}`)).json;
    const token = await call(s, `/api/v1/credentials/${id}/token`);
    if (view.status === 'active' && token.status === 200) {
      expect(await works(token.json.accessToken), `${where}: the token of an active credential works`).toBe(
        200,
      );
      // The stored refresh token is alive: a forced refresh succeeds, and its token works.
      const forced = await call(s, `/api/v1/credentials/${id}/refresh`, 'POST');
      if (forced.status === 200 && forced.json.lastError === null) {
        const fresh = await call(s, `/api/v1/credentials/${id}/token`);
        expect(await works(fresh.json.accessToken), `${where}: refreshed token works`).toBe(200);
        expect((await row(id)).lease_owner, `${where}: lease released`).toBeNull();
        return committed ? 'refreshed' : 'usable';
      }
      // The refresh token turned out dead: that must be said, at once, with the reason.
      expect(forced.status, `${where}: ${JSON.stringify(forced.json)}`).toBe(409);
      expect(forced.json.error.code).toBe('reauthorization_required');
    } else {
      expect(view.status, `${where}: ${JSON.stringify(view)} / ${JSON.stringify(token.json)}`).toBe(
        'reauthorization_required',
      );
      expect(token.status).toBe(409);
      expect(token.json.error.code).toBe('reauthorization_required');
    }
    const after = (await call(s, `/api/v1/credentials/${id}`)).json;
    expect(after.status, `${where}: honest status`).toBe('reauthorization_required');
    expect(after.lastError?.code, `${where}: the reason is recorded`).toEqual(expect.any(String));
    // Only a request that reached the provider can have cost the refresh token.
    expect(round.gate, `${where}: lost although the provider never saw the request`).toBe('open');
    await authorize(s, id);
    return 'lost';
  }

  it(`keeps every credential usable or honestly reauthorization_required across ${ROUNDS} kills`, async () => {
    const started = Date.now();
    let current = await spawn();
    // Processes start two rounds ahead (start-up is most of a round's time).
    const starting = [spawn(), spawn()];
    // The pool of credentials, authorized once.
    const free: string[] = [];
    for (let i = 0; i < POOL; i++) {
      const client = await registerClient(sandbox.url, `${PUBLIC_URL}/oauth/callback`, {
        access_token_ttl_s: 3600,
      });
      const created = await call(
        current,
        '/api/v1/credentials',
        'POST',
        JSON.stringify({
          connector: 'crash-sandbox',
          name: `crash ${i}`,
          clientId: client.clientId,
          clientSecret: client.clientSecret,
        }),
      );
      expect(created.status).toBe(201);
      await authorize(current, created.json.id);
      free.push(created.json.id);
    }
    const pending: Round[] = [];
    const outcomes = { usable: 0, refreshed: 0, lost: 0 };
    const verifyMatured = async (s: ServerProcess, all = false) => {
      for (let i = 0; i < pending.length;) {
        const round = pending[i]!;
        if (!all && Date.now() < round.killedAt + LEASE_MS + 200) {
          i++;
          continue;
        }
        if (all) await sleep(Math.max(0, round.killedAt + LEASE_MS + 200 - Date.now()));
        pending.splice(i, 1);
        let lost = 0;
        let committed = 0;
        for (const id of round.ids) {
          const outcome = await takeOver(s, round, id);
          outcomes[outcome]++;
          if (outcome === 'lost') lost++;
          if (outcome === 'refreshed') committed++;
          free.push(id);
        }
        // Exact accounting: a refresh token is lost exactly when the provider rotated it and the process
        // died before committing the new one.
        expect(
          lost,
          `round ${round.n}: ${round.processed} grants at the provider, ${committed} committed`,
        ).toBe(round.processed - committed);
      }
    };

    for (let n = 1; n <= ROUNDS; n++) {
      // The next process starts while this one works and dies.
      const next = starting.shift()!;
      if (n + starting.length < ROUNDS) starting.push(spawn());
      gate.release();
      sandbox.sandbox.setFaults({ token: { mode: 'none' } });
      await verifyMatured(current);
      while (free.length < PER_ROUND) {
        await sleep(100);
        await verifyMatured(current);
      }
      const ids = free.splice(0, PER_ROUND);
      const versions = new Map<string, number>();
      for (const id of ids) versions.set(id, Number((await row(id)).token_version));
      const held = Math.random() < 0.3;
      const delayMs = Math.floor(Math.random() * 400);
      const killAfterMs = Math.floor(Math.random() * (delayMs + 250));
      sandbox.sandbox.setFaults({ token: delayMs ? { mode: 'delay', delayMs } : { mode: 'none' } });
      if (held) gate.hold();
      const grantsBefore = sandbox.sandbox.stats().refreshes;
      const fired = ids.map(async (id, k) => {
        await sleep(Math.floor(Math.random() * 60 * k));
        await fetch(`${current.url}/api/v1/credentials/${id}/refresh`, {
          method: 'POST',
          headers: auth,
        }).catch(() => {});
      });
      await sleep(killAfterMs);
      await kill(current);
      await Promise.all(fired);
      const killedAt = Date.now();
      // The dead process's connections close before the gate opens again: what it sent is dropped.
      if (held) await sleep(100);
      current = await next;
      // Requests the provider was still sleeping on have been answered (to nobody).
      await sleep(Math.max(0, killedAt + delayMs + 150 - Date.now()));
      const processed = sandbox.sandbox.stats().refreshes - grantsBefore;
      pending.push({
        n,
        ids,
        gate: held ? 'held' : 'open',
        delayMs,
        killAfterMs,
        killedAt,
        versions,
        processed,
      });
    }
    gate.release();
    sandbox.sandbox.setFaults({ token: { mode: 'none' } });
    await verifyMatured(current, true);
    expect(free).toHaveLength(POOL);
    await current.stop();
    live.delete(current);
    console.log(
      `[crash ${dialect}] ${ROUNDS} kills × ${PER_ROUND} credentials in ${Date.now() - started} ms: ` +
        `${outcomes.refreshed} refreshed before the kill, ${outcomes.usable} untouched and usable, ` +
        `${outcomes.lost} lost their refresh token at the provider (reauthorization_required, then authorized again)`,
    );
    expect(outcomes.refreshed + outcomes.usable + outcomes.lost).toBe(ROUNDS * PER_ROUND);
  }, 150_000);
});

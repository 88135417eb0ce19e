/**
 * The provider's token endpoint misbehaves — slow past the deadline, failing, rate limiting, flapping,
 * answering HTML, dropping connections — while hundreds of callers ask for tokens (hand-outs and proxied
 * calls) of credentials whose tokens are expiring or expired. During the storm: no 500, every failure a
 * listed error, every token handed out works, and the provider is called a bounded number of times
 * (single flight + cooldown, counted at the sandbox). After it: every credential is consistent — usable
 * (a fresh token works and its refresh token refreshes), or honestly `reauthorization_required` with the
 * reason — and no refresh lease is left behind.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SandboxServer } from '../../src/sandbox/index.js';
import type { SandboxFaultsInput } from '../../src/sandbox/faults.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { describeEachDialect } from '../helpers/databases.js';
import {
  addSandboxConnector,
  authorizeAgain,
  createAndAuthorize,
  registerClient,
  startTestSandbox,
} from '../helpers/sandbox.js';
import { expectErrorBody, sleep } from './support.js';

const CREDENTIALS = 4;
const WAVES = 5;
const PER_WAVE = 40;
const WAVE_GAP_MS = 300;
const PROVIDER_TIMEOUT_MS = 1000;

interface Mode {
  name: string;
  fault: SandboxFaultsInput['token'];
  /** The provider may have processed a request Latchkey gave up on (rotating the refresh token). */
  mayLoseRefreshToken?: boolean;
  /** Milliseconds the sandbox may still be busy with abandoned requests after the storm. */
  settleMs?: number;
}

const MODES: Mode[] = [
  { name: 'down (503 with Retry-After)', fault: { mode: 'status', status: 503 } },
  { name: 'rate limiting (429)', fault: { mode: 'status', status: 429 } },
  { name: 'internal errors (500)', fault: { mode: 'status', status: 500 } },
  { name: 'answering HTML', fault: { mode: 'garbage', status: 200 } },
  { name: 'flapping', fault: { mode: 'flap', status: 502 } },
  { name: 'dropping connections', fault: { mode: 'drop' } },
  {
    name: 'slower than the deadline',
    fault: { mode: 'delay', delayMs: PROVIDER_TIMEOUT_MS + 1200 },
    mayLoseRefreshToken: true,
    settleMs: PROVIDER_TIMEOUT_MS + 1500,
  },
];

const FAILURE_CODES = [
  'provider_unavailable',
  'provider_timeout',
  'provider_error',
  'reauthorization_required',
];

describeEachDialect('token endpoint faults under concurrent hand-outs', (dialect) => {
  let t: TestApp;
  let sandbox: SandboxServer;
  const ids: string[] = [];

  beforeAll(async () => {
    sandbox = await startTestSandbox({ advertisements: 5 });
    t = await createTestApp(dialect, {
      LATCHKEY_PROVIDER_TIMEOUT_MS: String(PROVIDER_TIMEOUT_MS),
      LATCHKEY_RATE_LIMIT_PER_MIN: '0',
    });
    addSandboxConnector(t, sandbox.url);
    for (let i = 0; i < CREDENTIALS; i++) {
      const client = await registerClient(sandbox.url, t.config.redirectUri, { access_token_ttl_s: 3600 });
      ids.push((await createAndAuthorize(t, sandbox.url, { client })).id);
    }
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  const works = async (accessToken: string) =>
    (
      await fetch(`${sandbox.url}/api/v1/me`, {
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      })
    ).status;

  /**
   * Make every credential due, as time would: half expired, half expiring but still valid (the old token
   * may be served while a refresh fails). The provider's own tokens stay valid for an hour.
   */
  async function makeDue(): Promise<void> {
    const now = Date.now();
    for (const [i, id] of ids.entries()) {
      await t.ctx.db.kysely
        .updateTable('credentials')
        .set({
          access_token_issued_at: now - 3_600_000,
          access_token_expires_at: i % 2 ? now + 30_000 : now - 1_000,
          refresh_due_at: now - 1,
          next_refresh_attempt_at: null,
          refresh_failures: 0,
        })
        .where('id', '=', id)
        .execute();
      t.ctx.tokens.invalidate(id);
    }
  }

  /** Let the cooldown pass, as time would. */
  async function endCooldown(): Promise<void> {
    await t.ctx.db.kysely
      .updateTable('credentials')
      .set({ next_refresh_attempt_at: Date.now() - 1 })
      .where('next_refresh_attempt_at', 'is not', null)
      .execute();
    for (const id of ids) t.ctx.tokens.invalidate(id);
  }

  for (const mode of MODES) {
    it(`provider ${mode.name}: no 500, bounded provider calls, every credential consistent after`, async () => {
      // Start from usable credentials (a previous mode may have cost one its refresh token).
      sandbox.sandbox.setFaults({ token: { mode: 'none' } });
      for (const id of ids) {
        const v = (await t.app.inject({ url: `/api/v1/credentials/${id}`, headers: t.auth })).json();
        if (v.status !== 'active') expect((await authorizeAgain(t, id)).json().result).toBe('authorized');
      }
      await makeDue();
      sandbox.sandbox.reset();
      sandbox.sandbox.setFaults({ token: mode.fault });

      const answers: { status: number; body: string; headers: Record<string, unknown>; via: string }[] = [];
      const started = Date.now();
      for (let w = 0; w < WAVES; w++) {
        const wave = Array.from({ length: PER_WAVE }, (_, i) => {
          const id = ids[i % ids.length]!;
          const url = i % 5 === 4 ? `/api/v1/proxy/${id}/me` : `/api/v1/credentials/${id}/token`;
          return t.app
            .inject({ url, headers: { ...t.auth, accept: 'application/json' } })
            .then((r) => answers.push({ status: r.statusCode, body: r.body, headers: r.headers, via: url }));
        });
        await Promise.all(wave);
        const next = started + (w + 1) * WAVE_GAP_MS;
        if (Date.now() < next) await sleep(next - Date.now());
      }
      const window = Date.now() - started;
      // Requests the sandbox is still sleeping on are counted when it answers them.
      if (mode.settleMs) await sleep(mode.settleMs);
      const calls = sandbox.sandbox.stats().tokenRequests.total;

      // During the storm: no 500, failures are listed errors, handed-out tokens work.
      expect(answers).toHaveLength(WAVES * PER_WAVE);
      const byStatus: Record<number, number> = {};
      for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
      expect(answers.filter((a) => a.status >= 500 && a.status !== 502 && a.status !== 504)).toEqual([]);
      const tokens = new Set<string>();
      for (const a of answers) {
        if (a.status === 200) {
          if (a.via.endsWith('/token')) tokens.add(JSON.parse(a.body).accessToken);
          continue;
        }
        expectErrorBody({ statusCode: a.status, headers: a.headers, body: a.body }, `${mode.name}: ${a.via}`);
        expect(FAILURE_CODES).toContain(JSON.parse(a.body).error.code);
      }
      for (const token of tokens) expect(await works(token), 'a handed-out token works').toBe(200);
      // Expiring-but-valid credentials keep being served their old token while the provider fails.
      expect(byStatus[200] ?? 0).toBeGreaterThan(0);

      // Bounded provider calls: one per credential, then the cooldown (≥ 1.6 s) — never one per caller.
      const cooldowns = Math.ceil(window / 1600);
      expect(calls, `provider calls in ${window} ms: ${JSON.stringify(byStatus)}`).toBeGreaterThanOrEqual(
        ids.length,
      );
      expect(calls).toBeLessThanOrEqual(ids.length * (1 + cooldowns));

      // After: the provider recovers, the cooldown passes.
      sandbox.sandbox.setFaults({ token: { mode: 'none' } });
      await endCooldown();
      for (const id of ids) await t.app.inject({ url: `/api/v1/credentials/${id}/token`, headers: t.auth });

      let lost = 0;
      for (const id of ids) {
        const v = (await t.app.inject({ url: `/api/v1/credentials/${id}`, headers: t.auth })).json();
        const tok = await t.app.inject({ url: `/api/v1/credentials/${id}/token`, headers: t.auth });
        if (v.status === 'active') {
          expect(tok.statusCode, `${id} is active: ${tok.body}`).toBe(200);
          expect(await works(tok.json().accessToken), 'the token of an active credential works').toBe(200);
          // Its refresh token is alive: a forced refresh succeeds and the new token works.
          const forced = await t.app.inject({
            method: 'POST',
            url: `/api/v1/credentials/${id}/refresh`,
            headers: t.auth,
          });
          expect(forced.statusCode, forced.body).toBe(200);
          expect(forced.json().lastError, 'a successful refresh clears lastError').toBeNull();
          const fresh = await t.app.inject({ url: `/api/v1/credentials/${id}/token`, headers: t.auth });
          expect(await works(fresh.json().accessToken)).toBe(200);
        } else {
          // Honest: the reason is recorded and given to every caller.
          lost++;
          expect(v.status).toBe('reauthorization_required');
          expect(v.lastError?.code, 'the reason is recorded').toEqual(expect.any(String));
          expect(tok.statusCode).toBe(409);
          expect(tok.json().error.code).toBe('reauthorization_required');
          expect(tok.json().error.message).toContain(v.lastError.code);
        }
      }
      console.log(
        `[faults ${dialect}] ${mode.name}: ${answers.length} calls in ${window} ms ${JSON.stringify(byStatus)}, ` +
          `${calls} provider calls, ${lost} of ${ids.length} credentials need authorizing again`,
      );
      if (!mode.mayLoseRefreshToken) expect(lost, 'a transient failure never costs a refresh token').toBe(0);
      const leases = await t.ctx.db.kysely
        .selectFrom('credentials')
        .select(['id', 'lease_owner'])
        .where('lease_owner', 'is not', null)
        .execute();
      expect(leases, 'no lease left behind').toEqual([]);
      const stuck = await sql<{
        n: number;
      }>`select count(*) as n from credentials where status = 'active' and access_token_sealed is null`.execute(
        t.ctx.db.kysely,
      );
      expect(Number(stuck.rows[0]!.n), 'no active credential without a token').toBe(0);
    }, 30_000);
  }
});

/**
 * Authorization states: ≥128-bit random values (oauth4webapi's 256-bit), stored as SHA-256 hashes,
 * single use, expiring after 10 minutes, bound to a credential, a workspace and (for UI flows) a session.
 */
import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Db } from '../db/index.js';
import type { OAuthStatesTable } from '../db/schema.js';

export const STATE_TTL_MS = 10 * 60_000;

export type StateRow = Selectable<OAuthStatesTable>;

export function hashState(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}

export type ConsumeResult =
  { ok: true; row: StateRow } | { ok: false; reason: 'unknown' | 'used' | 'expired'; row?: StateRow };

export function createStateRepository(db: Db) {
  const k = db.kysely;
  return {
    async insert(row: StateRow): Promise<void> {
      await k.insertInto('oauth_states').values(row).execute();
    },

    async find(state: string): Promise<StateRow | undefined> {
      return k
        .selectFrom('oauth_states')
        .selectAll()
        .where('state_hash', '=', hashState(state))
        .executeTakeFirst();
    },

    /** Mark the state used — exactly one caller wins, even across processes. */
    async consume(state: string, now: number): Promise<ConsumeResult> {
      const hash = hashState(state);
      const row = await k
        .selectFrom('oauth_states')
        .selectAll()
        .where('state_hash', '=', hash)
        .executeTakeFirst();
      if (!row) return { ok: false, reason: 'unknown' };
      if (row.used_at !== null) return { ok: false, reason: 'used', row };
      if (row.expires_at <= now) return { ok: false, reason: 'expired', row };
      const res = await k
        .updateTable('oauth_states')
        .set({ used_at: now })
        .where('state_hash', '=', hash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return { ok: false, reason: 'used', row };
      return { ok: true, row: { ...row, used_at: now } };
    },

    /** Forget states that can no longer be used (kept a day for the "already used" message). */
    async prune(now: number): Promise<void> {
      await k
        .deleteFrom('oauth_states')
        .where('expires_at', '<', now - 24 * 3600_000)
        .execute();
    },
  };
}

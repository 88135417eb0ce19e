/**
 * Sign-in throttling against brute force, shared by every process through the database: per account and
 * per client address, a window of failures; past the limit, further attempts are refused until the block
 * ends. A success clears the account's count.
 */
import type { Db } from '../db/index.js';

export interface ThrottleRule {
  limit: number;
  windowMs: number;
  blockMs: number;
}

export const LOGIN_RULES = {
  account: { limit: 5, windowMs: 15 * 60_000, blockMs: 15 * 60_000 },
  address: { limit: 30, windowMs: 15 * 60_000, blockMs: 15 * 60_000 },
} satisfies Record<string, ThrottleRule>;

export interface Throttle {
  /** Milliseconds until this key may try again, or 0. */
  blockedFor(key: string, now?: number): Promise<number>;
  fail(key: string, rule: ThrottleRule, now?: number): Promise<void>;
  clear(key: string): Promise<void>;
}

export function createThrottle(db: Db): Throttle {
  const k = db.kysely;
  return {
    async blockedFor(key, now = Date.now()) {
      const row = await k
        .selectFrom('throttles')
        .select('blocked_until')
        .where('key', '=', key)
        .executeTakeFirst();
      return row?.blocked_until && row.blocked_until > now ? row.blocked_until - now : 0;
    },
    async fail(key, rule, now = Date.now()) {
      await k.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('throttles').selectAll().where('key', '=', key).executeTakeFirst();
        if (!row || row.window_start + rule.windowMs <= now) {
          await trx
            .insertInto('throttles')
            .values({ key, count: 1, window_start: now, blocked_until: null })
            .onConflict((oc) =>
              oc.column('key').doUpdateSet({ count: 1, window_start: now, blocked_until: null }),
            )
            .execute();
          return;
        }
        const count = row.count + 1;
        await trx
          .updateTable('throttles')
          .set({ count, blocked_until: count >= rule.limit ? now + rule.blockMs : row.blocked_until })
          .where('key', '=', key)
          .execute();
      });
    },
    async clear(key) {
      await k.deleteFrom('throttles').where('key', '=', key).execute();
    },
  };
}

/**
 * Throttling of password guesses, shared by every process through the database: per account and per
 * client address, a window of attempts. An attempt is counted *before* the password is checked, in one
 * atomic statement, so that a burst of parallel guesses cannot slip past the limit; past it, attempts are
 * refused (without checking anything) until the block ends. A success forgets the account's count and
 * gives the address its attempt back.
 */
import { sql } from 'kysely';
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
  /** Count an attempt: 0 when it may go ahead, else the milliseconds until this key may try again. */
  take(key: string, rule: ThrottleRule, now?: number): Promise<number>;
  /** Forget the key's attempts (a successful sign-in to the account). */
  clear(key: string): Promise<void>;
  /** Give back one attempt (a success from an address must not count against the address). */
  refund(key: string): Promise<void>;
}

export function createThrottle(db: Db, clock: () => number = Date.now): Throttle {
  const k = db.kysely;
  return {
    async take(key, rule, now = clock()) {
      // The window is over (no block), or the block is: start again.
      const over = sql<boolean>`((throttles.blocked_until is null and throttles.window_start + ${rule.windowMs} <= ${now})
        or (throttles.blocked_until is not null and throttles.blocked_until <= ${now}))`;
      const row = await k
        .insertInto('throttles')
        .values({ key, count: 1, window_start: now, blocked_until: null })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql<number>`case when ${over} then 1 else throttles.count + 1 end`,
            window_start: sql<number>`case when ${over} then ${now} else throttles.window_start end`,
            blocked_until: sql<number | null>`case
              when ${over} then null
              when throttles.blocked_until is not null then throttles.blocked_until
              when throttles.count + 1 > ${rule.limit} then ${now + rule.blockMs}
              else null end`,
          }),
        )
        .returning(['count', 'blocked_until'])
        .executeTakeFirstOrThrow();
      const until = row.blocked_until === null ? null : Number(row.blocked_until);
      return until !== null && until > now ? until - now : 0;
    },
    async clear(key) {
      await k.deleteFrom('throttles').where('key', '=', key).execute();
    },
    async refund(key) {
      await k
        .updateTable('throttles')
        .set((eb) => ({ count: eb('count', '-', 1) }))
        .where('key', '=', key)
        .where('count', '>', 0)
        .where('blocked_until', 'is', null)
        .execute();
    },
  };
}

/**
 * The refresh lease: at most one holder per credential across the cluster. A lease has an owner, an
 * expiry and a fencing number (incremented at every grant); releasing or writing requires the owner and
 * fence of the grant, so a holder whose lease lapsed cannot release another's lease or overwrite newer
 * tokens. A process that dies holding a lease blocks the others only until the lease expires.
 */
import { sql } from 'kysely';
import type { CredentialPatch, CredentialRow } from '../credentials/repository.js';
import type { Db } from '../db/index.js';

export interface Lease {
  credentialId: string;
  owner: string;
  fence: number;
  /** The row as it was when the lease was granted (the holder's re-read). */
  row: CredentialRow;
}

export function createLeaseStore(db: Db) {
  const k = db.kysely;
  return {
    /** Try to take the lease; null when another live holder has it. */
    async acquire(credentialId: string, owner: string, now: number, leaseMs: number): Promise<Lease | null> {
      const row = await k
        .updateTable('credentials')
        .set({ lease_owner: owner, lease_until: now + leaseMs, lease_fence: sql<number>`lease_fence + 1` })
        .where('id', '=', credentialId)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .returningAll()
        .executeTakeFirst();
      return row ? { credentialId, owner, fence: row.lease_fence, row } : null;
    },

    /** Release only our own grant. */
    async release(lease: Lease): Promise<void> {
      await k
        .updateTable('credentials')
        .set({ lease_owner: null, lease_until: null })
        .where('id', '=', lease.credentialId)
        .where('lease_owner', '=', lease.owner)
        .where('lease_fence', '=', lease.fence)
        .execute();
    },

    /**
     * Write a change under the lease, checking the fence and the token version that was read; the lease is
     * released in the same statement. False when the lease lapsed and someone else moved on.
     */
    async commit(lease: Lease, patch: CredentialPatch, bumpVersion: boolean): Promise<boolean> {
      const res = await k
        .updateTable('credentials')
        .set({
          ...patch,
          lease_owner: null,
          lease_until: null,
          ...(bumpVersion ? { token_version: sql<number>`token_version + 1` } : {}),
        })
        .where('id', '=', lease.credentialId)
        .where('lease_owner', '=', lease.owner)
        .where('lease_fence', '=', lease.fence)
        .where('token_version', '=', lease.row.token_version)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    /**
     * The refresher's claim: due credentials not leased by anyone, leased to `owner` in one transaction
     * (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so processes never wait for each other's claims).
     */
    async claimDue(owner: string, now: number, leaseMs: number, limit: number): Promise<Lease[]> {
      return k.transaction().execute(async (trx) => {
        let q = trx
          .selectFrom('credentials')
          .select('id')
          .where('status', '=', 'active')
          .where('refresh_due_at', '<=', now)
          .where('refresh_token_sealed', 'is not', null)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
          .where((eb) =>
            eb.or([eb('next_refresh_attempt_at', 'is', null), eb('next_refresh_attempt_at', '<=', now)]),
          )
          .orderBy('refresh_due_at')
          .limit(limit);
        if (db.dialect === 'postgres') q = q.forUpdate().skipLocked();
        const ids = (await q.execute()).map((r) => r.id);
        if (ids.length === 0) return [];
        const rows = await trx
          .updateTable('credentials')
          .set({ lease_owner: owner, lease_until: now + leaseMs, lease_fence: sql<number>`lease_fence + 1` })
          .where('id', 'in', ids)
          .returningAll()
          .execute();
        return rows.map((row) => ({ credentialId: row.id, owner, fence: row.lease_fence, row }));
      });
    },
  };
}

export type LeaseStore = ReturnType<typeof createLeaseStore>;

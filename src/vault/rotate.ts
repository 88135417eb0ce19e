/**
 * Key rotation: re-seal every sealed column under the active key, in batches, while the server keeps
 * serving. Each row is rewritten only if the sealed value is still the one read (a concurrent refresh
 * that wrote a new token already sealed it under a current key).
 */
import type { Db } from '../db/index.js';
import { aadFor, type Vault } from './vault.js';

interface SealedColumn {
  table: 'credentials' | 'oauth_states' | 'webhooks';
  key: 'id' | 'state_hash';
  column: string;
  /** The AAD of this column for a row. */
  aad: (row: Record<string, string>) => string;
  /** Other columns the AAD needs. */
  extra: string[];
}

export const SEALED_COLUMNS: SealedColumn[] = [
  {
    table: 'credentials',
    key: 'id',
    column: 'client_secret_sealed',
    extra: [],
    aad: (r) => aadFor(r.id!, 'client_secret'),
  },
  {
    table: 'credentials',
    key: 'id',
    column: 'access_token_sealed',
    extra: [],
    aad: (r) => aadFor(r.id!, 'access_token'),
  },
  {
    table: 'credentials',
    key: 'id',
    column: 'refresh_token_sealed',
    extra: [],
    aad: (r) => aadFor(r.id!, 'refresh_token'),
  },
  {
    table: 'oauth_states',
    key: 'state_hash',
    column: 'code_verifier_sealed',
    extra: ['credential_id'],
    aad: (r) => aadFor(r.credential_id!, 'code_verifier'),
  },
  {
    table: 'webhooks',
    key: 'id',
    column: 'secret_sealed',
    extra: [],
    aad: (r) => aadFor(r.id!, 'webhook_secret'),
  },
];

export interface RotationReport {
  activeKeyId: string;
  scanned: number;
  resealed: number;
  skippedChanged: number;
  /** After the pass: how many sealed values each key id still holds. */
  remainingByKey: Record<string, number>;
}

/**
 * Re-seal everything not sealed under the active key. `onProgress` is called after each batch.
 *
 * Servers running while the key file changes keep sealing under the previous key until their vault re-reads
 * the file (at most every 2 s), possibly after a pass went by the row. So the rotation is over only when a
 * pass that began `settleMs` after the start finds nothing left under other keys; passes repeat (every
 * `pauseMs`, at most `maxPasses`) until then.
 */
export async function resealAll(
  db: Db,
  vault: Vault,
  options: {
    batchSize?: number;
    onProgress?: (done: number) => void;
    settleMs?: number;
    pauseMs?: number;
    maxPasses?: number;
  } = {},
): Promise<RotationReport> {
  const batchSize = options.batchSize ?? 500;
  const settleMs = options.settleMs ?? 2_500;
  const pauseMs = options.pauseMs ?? 1_000;
  const maxPasses = options.maxPasses ?? 4;
  const started = Date.now();
  const activeKeyId = vault.activeKeyId;
  const report: RotationReport = {
    activeKeyId,
    scanned: 0,
    resealed: 0,
    skippedChanged: 0,
    remainingByKey: {},
  };
  const k = db.kysely;
  for (let pass = 1; ; pass++) {
    const settled = Date.now() >= started + settleMs;
    for (const col of SEALED_COLUMNS) {
      let after = '';
      for (;;) {
        // Dynamic column names: these come only from SEALED_COLUMNS above, never from input.
        const rows = (await k
          .selectFrom(col.table as 'credentials')
          .select([col.key, col.column, ...col.extra] as never[])
          .where(col.key as 'id', '>', after)
          .where(col.column as 'id', 'is not', null)
          .orderBy(col.key as 'id')
          .limit(batchSize)
          .execute()) as unknown as Record<string, string>[];
        if (rows.length === 0) break;
        for (const row of rows) {
          if (pass === 1) report.scanned++;
          const sealed = row[col.column]!;
          if (vault.keyIdOf(sealed) === activeKeyId) continue;
          const aad = col.aad(row);
          const resealed = vault.seal(vault.open(sealed, aad), aad);
          const res = await k
            .updateTable(col.table as 'credentials')
            .set({ [col.column]: resealed } as never)
            .where(col.key as 'id', '=', row[col.key]!)
            .where(col.column as 'id', '=', sealed)
            .executeTakeFirst();
          if (Number(res.numUpdatedRows) === 1) report.resealed++;
          else report.skippedChanged++;
        }
        after = rows[rows.length - 1]![col.key]!;
        options.onProgress?.(report.scanned);
      }
    }
    report.remainingByKey = await countByKey(db, vault);
    const clean = Object.keys(report.remainingByKey).every((id) => id === activeKeyId);
    if ((clean && settled) || pass >= maxPasses) break;
    const wait = clean ? started + settleMs - Date.now() : pauseMs;
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  }
  return report;
}

/** How many sealed values each key id holds, across every sealed column. */
export async function countByKey(db: Db, vault: Vault): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const col of SEALED_COLUMNS) {
    let after = '';
    for (;;) {
      const rows = (await db.kysely
        .selectFrom(col.table as 'credentials')
        .select([col.key, col.column] as never[])
        .where(col.key as 'id', '>', after)
        .where(col.column as 'id', 'is not', null)
        .orderBy(col.key as 'id')
        .limit(1000)
        .execute()) as unknown as Record<string, string>[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const id = vault.keyIdOf(row[col.column]!);
        counts[id] = (counts[id] ?? 0) + 1;
      }
      after = rows[rows.length - 1]![col.key]!;
    }
  }
  return counts;
}

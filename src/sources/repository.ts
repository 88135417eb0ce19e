/** Kysely queries for sources, destinations (the `sources` table, by `kind`) and their runs. Rows in, rows out. */
import type { Selectable, Updateable } from 'kysely';
import type { Db } from '../db/index.js';
import type { RunsTable, SourcesTable } from '../db/schema.js';
import type { DataKind, RunStatus } from './schemas.js';

export type SourceRow = Selectable<SourcesTable>;
export type SourcePatch = Updateable<SourcesTable>;
export type RunRow = Selectable<RunsTable>;
export type RunPatch = Updateable<RunsTable>;

const ACTIVE: RunStatus[] = ['queued', 'running'];

export function createSourceRepository(db: Db) {
  const k = db.kysely;
  return {
    async insert(row: SourceRow): Promise<void> {
      await k.insertInto('sources').values(row).execute();
    },

    async find(workspaceId: string, kind: DataKind, id: string): Promise<SourceRow | undefined> {
      return k
        .selectFrom('sources')
        .selectAll()
        .where('id', '=', id)
        .where('workspace_id', '=', workspaceId)
        .where('kind', '=', kind)
        .executeTakeFirst();
    },

    async list(
      workspaceId: string,
      kind: DataKind,
      f: { connector?: string; credentialId?: string; cursor?: string; limit: number },
    ): Promise<SourceRow[]> {
      let q = k
        .selectFrom('sources')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('kind', '=', kind);
      if (f.connector) q = q.where('connector', '=', f.connector);
      if (f.credentialId) q = q.where('credential_id', '=', f.credentialId);
      if (f.cursor) q = q.where('id', '<', f.cursor);
      return q.orderBy('id', 'desc').limit(f.limit).execute();
    },

    async update(workspaceId: string, id: string, patch: SourcePatch): Promise<void> {
      await k
        .updateTable('sources')
        .set(patch)
        .where('id', '=', id)
        .where('workspace_id', '=', workspaceId)
        .execute();
    },

    async delete(workspaceId: string, id: string): Promise<void> {
      await k.deleteFrom('sources').where('id', '=', id).where('workspace_id', '=', workspaceId).execute();
    },

    // ---- runs ----

    async insertRun(row: RunRow): Promise<void> {
      await k.insertInto('runs').values(row).execute();
    },

    async findRun(workspaceId: string, sourceId: string, runId: string): Promise<RunRow | undefined> {
      return k
        .selectFrom('runs')
        .selectAll()
        .where('id', '=', runId)
        .where('source_id', '=', sourceId)
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst();
    },

    async listRuns(
      workspaceId: string,
      sourceId: string,
      f: { cursor?: string; limit: number },
    ): Promise<RunRow[]> {
      let q = k
        .selectFrom('runs')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('source_id', '=', sourceId);
      if (f.cursor) q = q.where('id', '<', f.cursor);
      return q.orderBy('id', 'desc').limit(f.limit).execute();
    },

    async runIds(sourceId: string): Promise<string[]> {
      const rows = await k.selectFrom('runs').select('id').where('source_id', '=', sourceId).execute();
      return rows.map((r) => r.id);
    },

    async hasActiveRun(sourceId: string): Promise<boolean> {
      const row = await k
        .selectFrom('runs')
        .select('id')
        .where('source_id', '=', sourceId)
        .where('status', 'in', ACTIVE)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** queued → running; false when the run is no longer queued (cancelled meanwhile). */
    async markRunning(runId: string, owner: string, now: number): Promise<boolean> {
      const res = await k
        .updateTable('runs')
        .set({ status: 'running', owner, started_at: now, updated_at: now })
        .where('id', '=', runId)
        .where('status', '=', 'queued')
        .where('cancel_requested', '=', 0)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    /** Write progress (and the heartbeat); answers whether a cancel was requested meanwhile. */
    async progress(runId: string, patch: RunPatch): Promise<{ cancelRequested: boolean }> {
      const row = await k
        .updateTable('runs')
        .set(patch)
        .where('id', '=', runId)
        .where('status', '=', 'running')
        .returning('cancel_requested')
        .executeTakeFirst();
      return { cancelRequested: row ? row.cancel_requested !== 0 : true };
    },

    /** The final state of a queued or running run; false if another party finished it first. */
    async finish(runId: string, patch: RunPatch): Promise<boolean> {
      const res = await k
        .updateTable('runs')
        .set(patch)
        .where('id', '=', runId)
        .where('status', 'in', ACTIVE)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    async requestCancel(runId: string, now: number): Promise<void> {
      await k
        .updateTable('runs')
        .set({ cancel_requested: 1, updated_at: now })
        .where('id', '=', runId)
        .where('status', 'in', ACTIVE)
        .execute();
    },

    async heartbeat(runIds: string[], now: number): Promise<void> {
      if (runIds.length === 0) return;
      await k
        .updateTable('runs')
        .set({ updated_at: now })
        .where('id', 'in', runIds)
        .where('status', 'in', ACTIVE)
        .execute();
    },

    /**
     * Runs whose process stopped beating before `before` become `failed` / `interrupted` (scoped to one
     * source when `sourceId` is given). Answers how many.
     */
    async markStale(before: number, now: number, sourceId?: string): Promise<number> {
      let q = k
        .updateTable('runs')
        .set({
          status: 'failed',
          error_code: 'interrupted',
          error_message: 'the process running it stopped (no heartbeat); start a new run',
          finished_at: now,
          updated_at: now,
        })
        .where('status', 'in', ACTIVE)
        .where('updated_at', '<', before);
      if (sourceId) q = q.where('source_id', '=', sourceId);
      const res = await q.executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
  };
}

export type SourceRepository = ReturnType<typeof createSourceRepository>;

/** Kysely queries for credentials; rows in, rows out. Every read is scoped to a workspace. */
import type { Selectable, Updateable } from 'kysely';
import type { Db } from '../db/index.js';
import type { CredentialsTable } from '../db/schema.js';
import type { CredentialStatus } from './status.js';

export type CredentialRow = Selectable<CredentialsTable>;
export type CredentialPatch = Updateable<CredentialsTable>;

export interface UsedBy {
  id: string;
  kind: 'source' | 'destination';
  name: string;
}

export function createCredentialRepository(db: Db) {
  const k = db.kysely;
  return {
    async insert(row: CredentialRow): Promise<void> {
      await k.insertInto('credentials').values(row).execute();
    },

    async find(workspaceId: string, id: string): Promise<CredentialRow | undefined> {
      return k
        .selectFrom('credentials')
        .selectAll()
        .where('id', '=', id)
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst();
    },

    /** By id alone: for background work (refresher, callback) that already knows the workspace. */
    async findById(id: string): Promise<CredentialRow | undefined> {
      return k.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async list(
      workspaceId: string,
      filter: { connector?: string; status?: CredentialStatus; cursor?: string; limit: number },
    ): Promise<CredentialRow[]> {
      let q = k.selectFrom('credentials').selectAll().where('workspace_id', '=', workspaceId);
      if (filter.connector) q = q.where('connector', '=', filter.connector);
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.cursor) q = q.where('id', '<', filter.cursor);
      return q.orderBy('id', 'desc').limit(filter.limit).execute();
    },

    async update(workspaceId: string, id: string, patch: CredentialPatch): Promise<boolean> {
      const res = await k
        .updateTable('credentials')
        .set(patch)
        .where('id', '=', id)
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },

    async delete(workspaceId: string, id: string): Promise<boolean> {
      const res = await k
        .deleteFrom('credentials')
        .where('id', '=', id)
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst();
      return Number(res.numDeletedRows) === 1;
    },

    async usedBy(ids: string[]): Promise<Map<string, UsedBy[]>> {
      const out = new Map<string, UsedBy[]>();
      if (ids.length === 0) return out;
      const rows = await k
        .selectFrom('sources')
        .select(['id', 'kind', 'name', 'credential_id'])
        .where('credential_id', 'in', ids)
        .orderBy('id')
        .execute();
      for (const r of rows) {
        const list = out.get(r.credential_id) ?? [];
        list.push({ id: r.id, kind: r.kind as UsedBy['kind'], name: r.name });
        out.set(r.credential_id, list);
      }
      return out;
    },
  };
}

export type CredentialRepository = ReturnType<typeof createCredentialRepository>;

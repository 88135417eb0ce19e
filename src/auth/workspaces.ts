import type { Db } from '../db/index.js';

export const DEFAULT_WORKSPACE_ID = 'ws_default';

/** The default workspace exists from the first start on (idempotent, race-safe across processes). */
export async function ensureDefaultWorkspace(db: Db): Promise<string> {
  await db.kysely
    .insertInto('workspaces')
    .values({ id: DEFAULT_WORKSPACE_ID, name: 'Default', created_at: Date.now() })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return DEFAULT_WORKSPACE_ID;
}

export async function createWorkspace(db: Db, id: string, name: string): Promise<void> {
  await db.kysely.insertInto('workspaces').values({ id, name, created_at: Date.now() }).execute();
}

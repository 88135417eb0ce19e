/**
 * API keys: `lk_` + 43 base64url characters (256 bits). Shown once at creation; the database keeps only
 * a SHA-256 hash (the key is random, so a slow hash adds nothing) and the last four characters.
 */
import { hash, randomBytes } from 'node:crypto';
import type { Db } from '../db/index.js';
import { newId } from '../db/index.js';
import type { Role } from './permissions.js';

export interface ApiKeyRecord {
  id: string;
  workspaceId: string;
  name: string;
  role: Role;
  lastFour: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export function hashApiKey(key: string): string {
  // One-shot hashing: no Hash object per call (every API request hashes its key).
  return hash('sha256', key, 'hex');
}

export function generateApiKeyValue(): string {
  return `lk_${randomBytes(32).toString('base64url')}`;
}

function toRecord(row: {
  id: string;
  workspace_id: string;
  name: string;
  role: string;
  last_four: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}): ApiKeyRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    role: row.role as Role,
    lastFour: row.last_four,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

export interface CreateApiKeyInput {
  workspaceId: string;
  name: string;
  role: Role;
  expiresAt?: number | null;
  createdBy?: string | null;
  /** Use this value instead of a generated one (the bootstrap key). */
  value?: string;
}

export async function createApiKey(
  db: Db,
  input: CreateApiKeyInput,
): Promise<{ key: string; record: ApiKeyRecord }> {
  const key = input.value ?? generateApiKeyValue();
  const now = Date.now();
  const row = {
    id: newId('key', now),
    workspace_id: input.workspaceId,
    name: input.name,
    role: input.role,
    key_hash: hashApiKey(key),
    last_four: key.slice(-4),
    created_by: input.createdBy ?? null,
    created_at: now,
    expires_at: input.expiresAt ?? null,
    revoked_at: null,
    last_used_at: null,
  };
  await db.kysely.insertInto('api_keys').values(row).execute();
  return { key, record: toRecord(row) };
}

/** The live key with this value, or null (unknown, revoked or expired). */
export async function findApiKey(db: Db, key: string, now = Date.now()): Promise<ApiKeyRecord | null> {
  const row = await db.kysely
    .selectFrom('api_keys')
    .selectAll()
    .where('key_hash', '=', hashApiKey(key))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) return null;
  if (row.expires_at !== null && row.expires_at <= now) return null;
  return toRecord(row);
}

export async function listApiKeys(db: Db, workspaceId: string): Promise<ApiKeyRecord[]> {
  const rows = await db.kysely
    .selectFrom('api_keys')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute();
  return rows.map(toRecord);
}

/** One key (live or not) of the workspace — of any workspace when `workspaceId` is null (local CLI) — or null. */
export async function getApiKey(
  db: Db,
  workspaceId: string | null,
  id: string,
): Promise<ApiKeyRecord | null> {
  let q = db.kysely.selectFrom('api_keys').selectAll().where('id', '=', id);
  if (workspaceId !== null) q = q.where('workspace_id', '=', workspaceId);
  const row = await q.executeTakeFirst();
  return row ? toRecord(row) : null;
}

export async function revokeApiKey(db: Db, workspaceId: string, id: string): Promise<boolean> {
  const res = await db.kysely
    .updateTable('api_keys')
    .set({ revoked_at: Date.now() })
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Record use at most once a minute per key, so that reads do not turn into a write per request. */
export async function touchApiKey(db: Db, id: string, now = Date.now()): Promise<void> {
  await db.kysely
    .updateTable('api_keys')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now - 60_000)]))
    .execute();
}

/** Make LATCHKEY_BOOTSTRAP_API_KEY an admin key of the default workspace (idempotent, race-safe). */
export async function ensureBootstrapApiKey(db: Db, workspaceId: string, value: string): Promise<void> {
  const existing = await db.kysely
    .selectFrom('api_keys')
    .select(['id', 'revoked_at'])
    .where('key_hash', '=', hashApiKey(value))
    .executeTakeFirst();
  if (existing) return;
  try {
    await createApiKey(db, {
      workspaceId,
      name: 'bootstrap (LATCHKEY_BOOTSTRAP_API_KEY)',
      role: 'admin',
      value,
    });
  } catch (err) {
    // Another process of the cluster inserted it at the same moment.
    const again = await db.kysely
      .selectFrom('api_keys')
      .select('id')
      .where('key_hash', '=', hashApiKey(value))
      .executeTakeFirst();
    if (!again) throw err;
  }
}

/** Users and their memberships (a role in a workspace). */
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import { newId } from '../db/index.js';
import { hashPassword } from './passwords.js';
import type { Role } from './permissions.js';

export interface UserRecord {
  id: string;
  email: string;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db.kysely
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findUserByEmail(db: Db, email: string) {
  return db.kysely
    .selectFrom('users')
    .selectAll()
    .where('email', '=', normaliseEmail(email))
    .executeTakeFirst();
}

export async function membershipOf(db: Db, userId: string, workspaceId: string): Promise<Role | null> {
  const row = await db.kysely
    .selectFrom('memberships')
    .select('role')
    .where('user_id', '=', userId)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return (row?.role as Role | undefined) ?? null;
}

/** The workspace a user lands in at sign-in: the oldest membership. */
export async function firstMembership(
  db: Db,
  userId: string,
): Promise<{ workspaceId: string; role: Role } | null> {
  const row = await db.kysely
    .selectFrom('memberships')
    .select(['workspace_id', 'role'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('workspace_id')
    .executeTakeFirst();
  return row ? { workspaceId: row.workspace_id, role: row.role as Role } : null;
}

export async function createUser(
  db: Db,
  input: { email: string; password: string; workspaceId: string; role: Role },
): Promise<UserRecord> {
  const now = Date.now();
  const id = newId('usr', now);
  const email = normaliseEmail(input.email);
  const password_hash = await hashPassword(input.password);
  await db.kysely.transaction().execute(async (trx) => {
    await trx
      .insertInto('users')
      .values({ id, email, password_hash, created_at: now, updated_at: now })
      .execute();
    await trx
      .insertInto('memberships')
      .values({ workspace_id: input.workspaceId, user_id: id, role: input.role, created_at: now })
      .execute();
  });
  return { id, email };
}

/**
 * Create the first admin only if no user exists yet — atomic across processes (PostgreSQL locks the default
 * workspace row; SQLite serialises writers). Returns null when a user already exists.
 */
export async function createFirstAdmin(
  db: Db,
  input: { email: string; password: string; workspaceId: string },
): Promise<UserRecord | null> {
  const now = Date.now();
  const id = newId('usr', now);
  const email = normaliseEmail(input.email);
  const password_hash = await hashPassword(input.password);
  return db.kysely.transaction().execute(async (trx) => {
    if (db.dialect === 'postgres') {
      await sql`select id from workspaces where id = ${input.workspaceId} for update`.execute(trx);
    }
    const existing = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst();
    if (existing) return null;
    await trx
      .insertInto('users')
      .values({ id, email, password_hash, created_at: now, updated_at: now })
      .execute();
    await trx
      .insertInto('memberships')
      .values({ workspace_id: input.workspaceId, user_id: id, role: 'admin', created_at: now })
      .execute();
    return { id, email };
  });
}

import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * PostgreSQL: every change of a credential's token version or status, and every deletion, is announced on
 * the channel `latchkey_credentials` (delivered at commit), so that every process of a cluster drops its
 * cached token at once. SQLite needs nothing: its single process watches `PRAGMA data_version`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function isPostgres(db: Kysely<any>): Promise<boolean> {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  if (!(await isPostgres(db))) return;
  await sql`
    create or replace function latchkey_credential_changed() returns trigger as $$
    begin
      if tg_op = 'DELETE' then
        perform pg_notify('latchkey_credentials', old.id);
        return old;
      end if;
      if new.token_version is distinct from old.token_version or new.status is distinct from old.status then
        perform pg_notify('latchkey_credentials', new.id);
      end if;
      return new;
    end
    $$ language plpgsql`.execute(db);
  await sql`
    create trigger credentials_changed after update or delete on credentials
    for each row execute function latchkey_credential_changed()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  if (!(await isPostgres(db))) return;
  await sql`drop trigger if exists credentials_changed on credentials`.execute(db);
  await sql`drop function if exists latchkey_credential_changed()`.execute(db);
}

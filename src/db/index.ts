/**
 * The database door: a Kysely instance on SQLite (better-sqlite3, the embedded default) or PostgreSQL (pg),
 * chosen by LATCHKEY_DATABASE_URL, and the migrations that run on both.
 */
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/index.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type { Database } from './schema.js';
export { newId } from './ids.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /** true when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /**
   * SQLite only: true when another connection (another process) committed a change since the last call
   * (`PRAGMA data_version`, read at most once a millisecond: a change is seen within one). Null on
   * PostgreSQL, whose processes learn of changes by LISTEN/NOTIFY.
   */
  changedElsewhere: (() => boolean) | null;
  /** PostgreSQL only: the connection string, for a dedicated LISTEN connection. */
  url: string | null;
  destroy(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL pool size; defaults to 10. */
  poolSize?: number;
}

/** Open the database named by the config; does not migrate (see {@link migrate}). */
export function openDatabase(database: Config['database'], options: OpenOptions = {}): Db {
  if (database.kind === 'sqlite') {
    const file = database.path;
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const raw = new SqliteDatabase(file);
    raw.pragma('journal_mode = WAL');
    raw.pragma('busy_timeout = 5000');
    raw.pragma('foreign_keys = ON');
    raw.pragma('synchronous = NORMAL');
    const kysely = new Kysely<Database>({
      dialect: new SqliteDialect({ database: withStatementCache(raw) }),
    });
    const dataVersion = raw.prepare('PRAGMA data_version').pluck();
    let lastVersion = dataVersion.get() as number;
    // Asked at most once a millisecond: under load, several token hand-outs share one answer.
    let askedAt = 0;
    return {
      kysely,
      dialect: 'sqlite',
      url: null,
      changedElsewhere: () => {
        const now = Date.now();
        if (now === askedAt) return false;
        askedAt = now;
        const v = dataVersion.get() as number;
        if (v === lastVersion) return false;
        lastVersion = v;
        return true;
      },
      ping: () => ping(kysely),
      destroy: () => kysely.destroy(),
    };
  }
  const pool = new pg.Pool({
    connectionString: database.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    // BIGINT columns hold epoch milliseconds: well within Number's exact range.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as never,
    },
  });
  // A dropped idle connection (database restart) must not crash the process; the pool reconnects.
  pool.on('error', () => {});
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    kysely,
    dialect: 'postgres',
    url: database.url,
    changedElsewhere: null,
    ping: () => ping(kysely),
    destroy: () => kysely.destroy(),
  };
}

async function ping(kysely: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(kysely);
    return true;
  } catch {
    return false;
  }
}

/**
 * better-sqlite3 compiles a statement on every `prepare`; Kysely prepares each query it runs. Keeping the
 * compiled statements of the (few, parameterised) queries Latchkey issues saves most of a query's cost on the
 * hot paths (token hand-out, proxy).
 */
function withStatementCache(raw: SqliteDatabase.Database, max = 500) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => raw.close(),
    prepare(sqlText: string) {
      let stmt = cache.get(sqlText);
      if (!stmt) {
        stmt = raw.prepare(sqlText);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(sqlText, stmt);
      }
      return stmt;
    },
  };
}

/** Bring the schema up to date. Safe to run from several processes at once (the migrator locks). */
export async function migrate(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db: db.kysely, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Storage tests run over every dialect: SQLite always, PostgreSQL when LATCHKEY_TEST_POSTGRES_URL names a
 * server (each test database is created fresh and dropped afterwards). Without it the PostgreSQL runs are
 * skipped with a visible reason.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';

export type DialectName = 'sqlite' | 'postgres';

export const POSTGRES_URL = process.env.LATCHKEY_TEST_POSTGRES_URL ?? '';

export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];

/** `describe` once per dialect; the PostgreSQL block is skipped (with its reason in the name) when unavailable. */
export function describeEachDialect(title: string, fn: (dialect: DialectName) => void): void {
  for (const dialect of DIALECTS) {
    if (dialect === 'postgres' && !POSTGRES_URL) {
      describe.skip(`${title} [postgres — skipped: set LATCHKEY_TEST_POSTGRES_URL to run]`, () =>
        fn(dialect));
    } else {
      describe(`${title} [${dialect}]`, () => fn(dialect));
    }
  }
}

export interface TestDatabase {
  url: string;
  dataDir: string;
  /** PostgreSQL: the database name; SQLite: the file path. */
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh, empty database of the dialect, with its own data folder. */
export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-test-'));
  if (dialect === 'sqlite') {
    const file = path.join(dataDir, 'latchkey.db');
    return {
      url: `sqlite:${file}`,
      dataDir,
      name: file,
      drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  if (!POSTGRES_URL) throw new Error('LATCHKEY_TEST_POSTGRES_URL is not set');
  const name = `latchkey_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(POSTGRES_URL, name),
    dataDir,
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

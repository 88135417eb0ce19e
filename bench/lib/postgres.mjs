// A throw-away PostgreSQL database for a benchmark run (skipped when no server answers).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_URL =
  process.env.LATCHKEY_BENCH_POSTGRES_URL ??
  process.env.LATCHKEY_TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

export async function createDatabase() {
  const name = `latchkey_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await admin.connect();
  } catch (err) {
    return { available: false, reason: `PostgreSQL not reachable at ${POSTGRES_URL} (${err.message})` };
  }
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    available: true,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

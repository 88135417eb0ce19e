/** `latchkey users create|list` and `latchkey api-keys list|revoke` on the local database. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { createContext } from '../src/context.js';
import { verifyPassword } from '../src/auth/index.js';
import { createLogger } from '../src/logging/index.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { createTestDatabase, type TestDatabase } from './helpers/databases.js';

/** Run the compiled CLI with `input` on its standard input. */
const runWithStdin = (args: string[], env: Record<string, string>, input: string): Promise<CliResult> =>
  runCli(args, env, 30_000, input);

let db: TestDatabase;
let env: Record<string, string>;
beforeEach(async () => {
  db = await createTestDatabase('sqlite');
  env = { LATCHKEY_DATABASE_URL: db.url, LATCHKEY_DATA_DIR: db.dataDir };
});
afterEach(() => db.drop());

it('creates an account with the password from stdin, never from an argument, and lists members', async () => {
  const created = await runWithStdin(
    ['users', 'create', '--email', 'Ops@Example.com', '--role', 'admin', '--password-stdin', '--json'],
    env,
    'a long enough password\n',
  );
  expect(created.code, created.stderr).toBe(0);
  const user = JSON.parse(created.stdout);
  expect(user).toMatchObject({ email: 'ops@example.com', role: 'admin', workspaceId: 'ws_default' });

  const ctx = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }), {
    log: createLogger('silent'),
  });
  try {
    const row = await ctx.db.kysely
      .selectFrom('users')
      .selectAll()
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    // The trailing newline is not part of the password.
    expect(await verifyPassword('a long enough password', row.password_hash)).toBe(true);
    const audit = await ctx.db.kysely.selectFrom('audit_events').selectAll().execute();
    expect(audit.map((e) => e.action)).toEqual(['user.created']);
    expect(JSON.stringify(audit)).not.toContain('a long enough password');
  } finally {
    await ctx.close();
  }

  expect(
    (await runCli(['users', 'create', '--email', 'x@example.com', '--password', 'in-argv'], env)).code,
  ).toBe(2);
  // No terminal and no --password-stdin: nothing to ask the password on.
  const noTty = await runCli(['users', 'create', '--email', 'x@example.com'], env);
  expect(noTty.code).toBe(2);
  expect(noTty.stderr).toContain('--password-stdin');
  expect(
    (await runWithStdin(['users', 'create', '--email', 'y@example.com', '--password-stdin'], env, 'short'))
      .code,
  ).toBe(2);
  const again = await runWithStdin(
    ['users', 'create', '--email', 'ops@example.com', '--password-stdin'],
    env,
    'another password',
  );
  expect(again.code).toBe(1);

  const list = await runCli(['users', 'list', '--json'], env);
  expect(JSON.parse(list.stdout).items.map((m: { email: string }) => m.email)).toEqual(['ops@example.com']);
});

it('lists API keys without their values and revokes one', async () => {
  const made = JSON.parse(
    (await runCli(['api-keys', 'create', '--name', 'ci', '--role', 'editor', '--json'], env)).stdout,
  );
  const list = await runCli(['api-keys', 'list', '--json'], env);
  expect(list.code).toBe(0);
  expect(list.stdout).not.toContain(made.key);
  expect(JSON.parse(list.stdout).items).toEqual([
    expect.objectContaining({
      id: made.id,
      name: 'ci',
      role: 'editor',
      lastFour: made.key.slice(-4),
      revokedAt: null,
    }),
  ]);
  const text = await runCli(['api-keys', 'list'], env);
  expect(text.stdout).toContain(`…${made.key.slice(-4)}`);

  const revoked = await runCli(['api-keys', 'revoke', made.id, '--json'], env);
  expect(revoked.code).toBe(0);
  expect(JSON.parse(revoked.stdout).revokedAt).toEqual(expect.any(String));
  expect(
    JSON.parse((await runCli(['api-keys', 'list', '--json'], env)).stdout).items[0].revokedAt,
  ).not.toBeNull();
  expect((await runCli(['api-keys', 'revoke', 'key_nope'], env)).code).toBe(4);
  expect((await runCli(['api-keys', 'revoke'], env)).code).toBe(2);
});

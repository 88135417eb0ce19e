/**
 * `latchkey users create|list`: accounts in the local database (run on the server's machine). A password
 * is never an argument (it would sit in the shell history and the process list): it is asked on the
 * terminal, or read from standard input with --password-stdin.
 */
import { z } from 'zod';
import { ROLES, type Role } from '../auth/index.js';
import { loadConfig } from '../config/index.js';
import { createContext, type AppContext } from '../context.js';
import { AppError } from '../http/errors.js';
import { createLogger } from '../logging/index.js';
import { parse, printJson, printTable, UsageError } from './args.js';
import { promptSecret, readSecretFromStdin } from './secret-input.js';

const HELP = `Usage: latchkey users <command>

Commands:
  create --email EMAIL [--role admin|editor|viewer] [--workspace ID] [--password-stdin] [--json]
         Create an account, member of the workspace (default: the default workspace) with the role
         (default: viewer). The password is asked twice on the terminal, or read from standard input with
         --password-stdin (one line); it is never an argument. At least 8 characters.
  list [--workspace ID] [--json]
         The members of a workspace and their roles.
`;

const quietLog = () => createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr);
const CLI_ACTOR = { type: 'system' as const, id: 'cli' };

async function askPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readSecretFromStdin('password');
  if (!process.stdin.isTTY) {
    throw new UsageError('no terminal to ask the password on: pipe it in with --password-stdin');
  }
  const first = await promptSecret('Password');
  const again = await promptSecret('Password (again)');
  if (first !== again) throw new UsageError('the two passwords differ');
  return first;
}

async function workspaceOf(ctx: AppContext, id: string | undefined): Promise<string> {
  const workspaceId = id ?? ctx.defaultWorkspaceId;
  const exists = await ctx.db.kysely
    .selectFrom('workspaces')
    .select('id')
    .where('id', '=', workspaceId)
    .executeTakeFirst();
  if (!exists) throw new UsageError(`no workspace "${workspaceId}"`);
  return workspaceId;
}

export async function usersCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(HELP);
    return sub ? 0 : 2;
  }
  if (sub === 'create') {
    const { values } = parse(rest, {
      email: { type: 'string' },
      role: { type: 'string', default: 'viewer' },
      workspace: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const email = z
      .email()
      .max(254)
      .safeParse(values.email ?? '');
    if (!email.success) throw new UsageError('--email must be an email address');
    if (!(ROLES as readonly string[]).includes(values.role!))
      throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    const password = await askPassword(Boolean(values['password-stdin']));
    if (password.length < 8) throw new UsageError('the password must be at least 8 characters');
    if (password.length > 1024) throw new UsageError('the password must be at most 1024 characters');
    const ctx = await createContext(loadConfig(), { log: quietLog() });
    try {
      const workspaceId = await workspaceOf(ctx, values.workspace);
      const user = await ctx.accounts.createUser(
        { workspaceId, actor: CLI_ACTOR, requestId: null },
        workspaceId,
        { email: email.data, password, role: values.role as Role },
      );
      if (values.json) printJson({ id: user.id, email: user.email, role: user.role, workspaceId });
      else process.stdout.write(`created ${user.email} (${user.id}), ${user.role} of ${workspaceId}\n`);
      return 0;
    } catch (err) {
      if (err instanceof AppError && err.code === 'conflict') {
        process.stderr.write(`latchkey users: an account with this email exists already\n`);
        return 1;
      }
      throw err;
    } finally {
      await ctx.close();
    }
  }
  if (sub === 'list') {
    const { values } = parse(rest, { workspace: { type: 'string' }, json: { type: 'boolean' } });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const ctx = await createContext(loadConfig(), { log: quietLog() });
    try {
      const workspaceId = await workspaceOf(ctx, values.workspace);
      const members = await ctx.accounts.listMembers(workspaceId);
      if (values.json)
        printJson({
          workspaceId,
          items: members.map((m) => ({
            ...m,
            createdAt: new Date(m.createdAt).toISOString(),
            joinedAt: new Date(m.joinedAt).toISOString(),
          })),
        });
      else
        printTable(
          ['ID', 'EMAIL', 'ROLE'],
          members.map((m) => [m.id, m.email, m.role]),
        );
      return 0;
    } finally {
      await ctx.close();
    }
  }
  throw new UsageError(`unknown users command "${sub}"`);
}

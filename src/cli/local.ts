/** Commands that work on the local database and key ring directly (run on the server's machine). */
import {
  createApiKey,
  getApiKey,
  listApiKeys,
  presentApiKey,
  revokeApiKey,
  ROLES,
  type Role,
} from '../auth/index.js';
import { loadConfig } from '../config/index.js';
import { createContext } from '../context.js';
import { migrate, openDatabase } from '../db/index.js';
import { createLogger } from '../logging/index.js';
import { addActiveKeyToFile, countByKey, resealAll } from '../vault/index.js';
import { parse, parseDuration, printJson, printTable, UsageError } from './args.js';

// Logs of administrative commands go to stderr, so that stdout stays the command's output.
const quietLog = () => createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr);

export async function migrateCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(
      'Usage: latchkey migrate [--json]\n\nBring the database schema up to date (also done at start).\n',
    );
    return 0;
  }
  const config = loadConfig();
  const db = openDatabase(config.database);
  try {
    const applied = await migrate(db);
    if (values.json) printJson({ applied });
    else
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await db.destroy();
  }
  return 0;
}

const KEYS_HELP = `Usage: latchkey keys <command>

Commands:
  rotate [--reseal-only] [--json]   With the key file (data/master.key): add a new active key, then re-seal
                                    every secret under it. With LATCHKEY_MASTER_KEYS: re-seal everything under
                                    the first (active) key. Safe while servers run.
  status [--json]                   How many sealed values each key holds.
`;

export async function keysCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(KEYS_HELP);
    return sub ? 0 : 2;
  }
  const { values } = parse(rest, { json: { type: 'boolean' }, 'reseal-only': { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(KEYS_HELP);
    return 0;
  }
  const config = loadConfig();
  const ctx = await createContext(config, { log: quietLog() });
  try {
    if (sub === 'status') {
      const counts = await countByKey(ctx.db, ctx.vault);
      if (values.json)
        printJson({ activeKeyId: ctx.vault.activeKeyId, keyIds: ctx.vault.keyIds, sealedByKey: counts });
      else {
        process.stdout.write(`active key: ${ctx.vault.activeKeyId}\n`);
        for (const id of ctx.vault.keyIds)
          process.stdout.write(`  ${id}: ${counts[id] ?? 0} sealed values\n`);
      }
      return 0;
    }
    if (sub !== 'rotate') throw new UsageError(`unknown keys command "${sub}"`);
    let added: string | null = null;
    if (ctx.vaultInfo.source === 'file' && !values['reseal-only']) {
      added = addActiveKeyToFile(ctx.vaultInfo.file!);
      ctx.vault.reloadNow();
    }
    const progress = values.json ? undefined : (n: number) => process.stderr.write(`\rre-sealed scan: ${n}`);
    const report = await resealAll(ctx.db, ctx.vault, { onProgress: progress });
    if (progress) process.stderr.write('\n');
    const old = Object.keys(report.remainingByKey).filter((id) => id !== report.activeKeyId);
    if (values.json) printJson({ addedKeyId: added, ...report });
    else {
      if (added) process.stdout.write(`new active key ${added} added to ${ctx.vaultInfo.file}\n`);
      process.stdout.write(
        `re-sealed ${report.resealed} of ${report.scanned} sealed values under key ${report.activeKeyId}` +
          (report.skippedChanged ? ` (${report.skippedChanged} changed meanwhile, already current)` : '') +
          '\n',
      );
      process.stdout.write(
        old.length
          ? `still sealed under older keys: ${old.map((id) => `${id} (${report.remainingByKey[id]})`).join(', ')}; run again\n`
          : 'no value is sealed under an older key: older keys may be removed once every server uses the new key ring\n',
      );
    }
    return old.length ? 1 : 0;
  } finally {
    await ctx.close();
  }
}

const API_KEYS_HELP = `Usage: latchkey api-keys <command>   (on the local database)

Commands:
  create --name NAME [--role admin|editor|viewer] [--workspace ID] [--expires-in 30d] [--json]
         Create an API key and print it once (it is stored hashed).
  list [--workspace ID] [--json]
         The workspace's keys: name, role, last four characters, dates (never the key).
  revoke ID [--json]
         Revoke a key. Running servers refuse it within 2 seconds.
`;

export async function apiKeysLocalCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') return apiKeysList(rest);
  if (sub === 'revoke') return apiKeysRevoke(rest);
  if (sub !== 'create') {
    process.stdout.write(API_KEYS_HELP);
    return sub === '--help' || sub === '-h' ? 0 : 2;
  }
  const { values } = parse(rest, {
    name: { type: 'string' },
    role: { type: 'string', default: 'admin' },
    workspace: { type: 'string' },
    'expires-in': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(API_KEYS_HELP);
    return 0;
  }
  if (!values.name) throw new UsageError('--name is required');
  if (!(ROLES as readonly string[]).includes(values.role!))
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const expiresAt = values['expires-in'] ? Date.now() + parseDuration(values['expires-in']) : null;
  const config = loadConfig();
  const ctx = await createContext(config, { log: quietLog() });
  try {
    const workspaceId = values.workspace ?? ctx.defaultWorkspaceId;
    const exists = await ctx.db.kysely
      .selectFrom('workspaces')
      .select('id')
      .where('id', '=', workspaceId)
      .executeTakeFirst();
    if (!exists) throw new UsageError(`no workspace "${workspaceId}"`);
    const { key, record } = await createApiKey(ctx.db, {
      workspaceId,
      name: values.name,
      role: values.role as Role,
      expiresAt,
    });
    await ctx.audit.record({
      workspaceId,
      actor: { type: 'system', id: 'cli' },
      action: 'api_key.created',
      targetType: 'api_key',
      targetId: record.id,
      detail: { name: record.name, role: record.role },
    });
    if (values.json)
      printJson({
        key,
        id: record.id,
        name: record.name,
        role: record.role,
        workspaceId,
        expiresAt: record.expiresAt ? new Date(record.expiresAt).toISOString() : null,
      });
    else {
      process.stdout.write(`${key}\n`);
      process.stderr.write(
        `API key ${record.id} (${record.role}, workspace ${workspaceId}) — shown once, store it now.\n`,
      );
    }
    return 0;
  } finally {
    await ctx.close();
  }
}

async function apiKeysList(argv: string[]): Promise<number> {
  const { values } = parse(argv, { workspace: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(API_KEYS_HELP);
    return 0;
  }
  const ctx = await createContext(loadConfig(), { log: quietLog() });
  try {
    const workspaceId = values.workspace ?? ctx.defaultWorkspaceId;
    const keys = (await listApiKeys(ctx.db, workspaceId)).map(presentApiKey);
    if (values.json) printJson({ workspaceId, items: keys });
    else
      printTable(
        ['ID', 'NAME', 'ROLE', 'KEY', 'CREATED', 'EXPIRES', 'REVOKED', 'LAST USED'],
        keys.map((k) => [
          k.id,
          k.name,
          k.role,
          `…${k.lastFour}`,
          k.createdAt,
          k.expiresAt,
          k.revokedAt,
          k.lastUsedAt,
        ]),
      );
    return 0;
  } finally {
    await ctx.close();
  }
}

async function apiKeysRevoke(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, true);
  if (values.help) {
    process.stdout.write(API_KEYS_HELP);
    return 0;
  }
  const [id, ...extra] = positionals;
  if (!id || extra.length) throw new UsageError('give the id of one API key (see latchkey api-keys list)');
  const ctx = await createContext(loadConfig(), { log: quietLog() });
  try {
    const key = await getApiKey(ctx.db, null, id);
    if (!key) {
      process.stderr.write(`latchkey api-keys: no API key "${id}"\n`);
      return 4;
    }
    if (await revokeApiKey(ctx.db, key.workspaceId, id)) {
      await ctx.audit.record({
        workspaceId: key.workspaceId,
        actor: { type: 'system', id: 'cli' },
        action: 'api_key.revoked',
        targetType: 'api_key',
        targetId: id,
        detail: { name: key.name, role: key.role },
      });
    }
    const revoked = await getApiKey(ctx.db, null, id);
    if (values.json)
      printJson({ id, workspaceId: key.workspaceId, revokedAt: new Date(revoked!.revokedAt!).toISOString() });
    else process.stdout.write(`revoked ${id} (${key.name}, ${key.role}, workspace ${key.workspaceId})\n`);
    return 0;
  } finally {
    await ctx.close();
  }
}

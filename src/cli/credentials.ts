/**
 * `latchkey credentials …`: list, show, create, authorize, refresh, revoke, test and delete credentials on a
 * running server (over HTTP, see remote.ts). Tables and sentences for people, `--json` for scripts, and the
 * exit codes of args.ts. A client secret is never an argument: stdin or a prompt without echo.
 */
import readline from 'node:readline/promises';
import type { ParseArgsConfig } from 'node:util';
import type { CredentialView } from '../credentials/schemas.js';
import { EXIT, EXIT_HELP, parse, printJson, printTable, UsageError } from './args.js';
import { takeProfile } from './profile.js';
import { CONNECTION_HELP, withRemote, type Remote } from './remote.js';
import { promptSecret, readSecretFromStdin } from './secret-input.js';

const HELP = `Usage: latchkey credentials <command> [options]

Commands:
  list [--connector ID] [--status STATUS]    The credentials of the API key's workspace, newest first
                                             (STATUS: pending_authorization, active,
                                             reauthorization_required, revoked)
  show <id>                                  Status, scopes, token expiry, last refresh, last error, users
  create --connector ID --name NAME --client-id ID [--client-secret-stdin]
         [--description TEXT] [--scope SCOPES]
                                             Create a credential (status pending_authorization). The
                                             client secret is read from standard input with
                                             --client-secret-stdin, else asked for on the terminal
                                             without echo; it is never taken as an argument.
  authorize <id> [--return-to URL]           Print the provider URL to open to authorize (or
                                             re-authorize) the credential; valid once, for 10 minutes
  refresh <id>                               Refresh the access token now
  revoke <id>                                Revoke the tokens at the provider and wipe them (revoked)
  test <id>                                  Call the connector's test request; exit 1 when it fails
  delete <id> [--yes]                        Delete (revoked at the provider first). Asks on a
                                             terminal; elsewhere it needs --yes

Every command takes --json (print the API's JSON), --profile NAME and --help.
${CONNECTION_HELP}

${EXIT_HELP}`;

const COMMON = { json: { type: 'boolean' } } as const;
const path = (id: string, action = '') => `/api/v1/credentials/${encodeURIComponent(id)}${action}`;

interface RevokeResult {
  credential: CredentialView;
  providerRevocation: { outcome: 'revoked' | 'not_supported' | 'failed' | 'no_tokens'; message: string };
}
interface TestResult {
  ok: boolean;
  status: number | null;
  durationMs: number;
  message: string;
  credential: CredentialView;
}

type Values = { help?: boolean; json?: boolean } & Record<string, string | boolean | undefined>;

/** Parse a command that takes exactly one credential id. */
function withId(argv: string[], usage: string, options: NonNullable<ParseArgsConfig['options']> = {}) {
  const parsed = parse(argv, { ...COMMON, ...options }, true);
  const values = parsed.values as Values;
  if (values.help) return { help: true as const };
  const [id, ...extra] = parsed.positionals;
  if (!id || extra.length > 0) throw new UsageError(`usage: latchkey credentials ${usage}`);
  return { help: false as const, id, values };
}

const dash = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? '-' : v);

function lastError(c: CredentialView): string {
  return c.lastError ? `${c.lastError.code}: ${c.lastError.message} (${c.lastError.at})` : '-';
}

/** The detail of one credential, one `Label  value` per line. */
export function formatCredential(c: CredentialView): string {
  const rows: [string, string][] = [
    ['ID', c.id],
    ['Name', c.name],
    ['Description', dash(c.description)],
    ['Connector', c.connector],
    ['Status', c.status],
    ['Client ID', c.clientId],
    ['Client secret', c.clientSecretSet ? 'set' : 'not set'],
    ['Scope', dash(c.scope)],
    ['Granted scope', dash(c.grantedScope)],
    ['Token expires', dash(c.accessTokenExpiresAt)],
    ['Last refreshed', dash(c.lastRefreshedAt)],
    ['Last error', lastError(c)],
    [
      'Last test',
      c.lastTest
        ? `${c.lastTest.ok ? 'ok' : 'failed'}${c.lastTest.status === null ? '' : ` (HTTP ${c.lastTest.status})`} at ${c.lastTest.at}`
        : '-',
    ],
    ['Redirect URI', c.redirectUri],
    ['Used by', c.usedBy.length ? c.usedBy.map((u) => `${u.kind} ${u.id} (${u.name})`).join(', ') : '-'],
    ['Created', c.createdAt],
    ['Updated', c.updatedAt],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}\n`).join('');
}

async function list(remote: Remote, argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...COMMON, connector: { type: 'string' }, status: { type: 'string' } },
    true,
  );
  if (values.help) return help();
  if (positionals.length)
    throw new UsageError('usage: latchkey credentials list [--connector ID] [--status S]');
  const items: CredentialView[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '200' });
    if (values.connector) query.set('connector', values.connector);
    if (values.status) query.set('status', values.status);
    if (cursor) query.set('cursor', cursor);
    const page: { items: CredentialView[]; nextCursor: string | null } = await remote.request(
      'GET',
      `/api/v1/credentials?${query}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  if (values.json) printJson({ items, nextCursor: null });
  else
    printTable(
      ['ID', 'NAME', 'CONNECTOR', 'STATUS', 'TOKEN EXPIRES', 'LAST ERROR'],
      items.map((c) => [c.id, c.name, c.connector, c.status, c.accessTokenExpiresAt, c.lastError?.code]),
    );
  return EXIT.ok;
}

async function show(remote: Remote, argv: string[]): Promise<number> {
  const args = withId(argv, 'show <id> [--json]');
  if (args.help) return help();
  const credential = await remote.request<CredentialView>('GET', path(args.id));
  if (args.values.json) printJson(credential);
  else process.stdout.write(formatCredential(credential));
  return EXIT.ok;
}

async function create(remote: Remote, argv: string[]): Promise<number> {
  // Refused before anything else, and without repeating the value: it must not be an argument at all.
  if (argv.some((a) => /^--client-?secret(=|$)/i.test(a)))
    throw new UsageError(
      'the client secret is never taken as an argument (shell history, process lists): ' +
        'pipe it with --client-secret-stdin, or leave it out to be asked for it',
    );
  const { values, positionals } = parse(
    argv,
    {
      ...COMMON,
      connector: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret-stdin': { type: 'boolean' },
      scope: { type: 'string' },
    },
    true,
  );
  if (values.help) return help();
  const usage =
    'usage: latchkey credentials create --connector ID --name NAME --client-id ID [--client-secret-stdin]';
  // Positionals are not echoed: a secret typed in the wrong place would otherwise be printed.
  if (positionals.length) throw new UsageError(`create takes no positional arguments; ${usage}`);
  const missing = (['connector', 'name', 'client-id'] as const).filter((k) => !values[k]);
  if (missing.length) throw new UsageError(`missing ${missing.map((k) => `--${k}`).join(', ')}; ${usage}`);
  const clientSecret = values['client-secret-stdin']
    ? await readSecretFromStdin('--client-secret-stdin')
    : await promptSecret('Client Secret');
  const credential = await remote.request<CredentialView>('POST', '/api/v1/credentials', {
    json: {
      connector: values.connector,
      name: values.name,
      clientId: values['client-id'],
      clientSecret,
      ...(values.description !== undefined ? { description: values.description } : {}),
      ...(values.scope !== undefined ? { scope: values.scope } : {}),
    },
  });
  if (values.json) printJson(credential);
  else
    process.stdout.write(
      `created ${credential.id} (${credential.name}), status ${credential.status}\n` +
        `redirect URI to register at the provider: ${credential.redirectUri}\n` +
        `next: latchkey credentials authorize ${credential.id}\n`,
    );
  return EXIT.ok;
}

async function authorize(remote: Remote, argv: string[]): Promise<number> {
  const args = withId(argv, 'authorize <id> [--return-to URL] [--json]', {
    'return-to': { type: 'string' },
  });
  if (args.help) return help();
  const returnTo = args.values['return-to'];
  const started = await remote.request<{ authorizationUrl: string; expiresAt: string }>(
    'POST',
    path(args.id, '/authorize'),
    { json: typeof returnTo === 'string' ? { returnTo } : {} },
  );
  if (args.values.json) printJson(started);
  else {
    process.stdout.write(`${started.authorizationUrl}\n`);
    if (process.stdout.isTTY)
      process.stderr.write(
        `Open it in a browser to sign in and approve (valid until ${started.expiresAt}).\n`,
      );
  }
  return EXIT.ok;
}

async function refresh(remote: Remote, argv: string[]): Promise<number> {
  const args = withId(argv, 'refresh <id> [--json]');
  if (args.help) return help();
  const credential = await remote.request<CredentialView>('POST', path(args.id, '/refresh'));
  if (args.values.json) printJson(credential);
  else
    process.stdout.write(
      `refreshed ${credential.id}: token valid until ${dash(credential.accessTokenExpiresAt)}\n`,
    );
  return EXIT.ok;
}

async function revoke(remote: Remote, argv: string[]): Promise<number> {
  const args = withId(argv, 'revoke <id> [--json]');
  if (args.help) return help();
  const result = await remote.request<RevokeResult>('POST', path(args.id, '/revoke'));
  if (args.values.json) printJson(result);
  else {
    const { outcome, message } = result.providerRevocation;
    process.stdout.write(
      `revoked ${result.credential.id}: tokens wiped; at the provider: ${outcome.replace(/_/g, ' ')}` +
        `${message ? ` (${message})` : ''}\n`,
    );
  }
  return EXIT.ok;
}

async function test(remote: Remote, argv: string[]): Promise<number> {
  const args = withId(argv, 'test <id> [--json]');
  if (args.help) return help();
  const result = await remote.request<TestResult>('POST', path(args.id, '/test'));
  if (args.values.json) printJson(result);
  else {
    const status = result.status === null ? '' : ` HTTP ${result.status}`;
    process.stdout.write(
      `${result.ok ? 'ok' : 'failed'}:${status} in ${Math.round(result.durationMs)} ms — ${result.message}\n`,
    );
  }
  return result.ok ? EXIT.ok : EXIT.failure;
}

async function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

async function remove(remote: Remote, argv: string[]): Promise<number> {
  const args = withId(argv, 'delete <id> [--yes] [--json]', { yes: { type: 'boolean', short: 'y' } });
  if (args.help) return help();
  if (!args.values.yes) {
    if (!process.stdin.isTTY) throw new UsageError('delete needs --yes when not run on a terminal');
    const credential = await remote.request<CredentialView>('GET', path(args.id));
    const users = credential.usedBy.length ? `, used by ${credential.usedBy.length}` : '';
    if (!(await confirm(`Delete ${credential.id} (${credential.name}, ${credential.status}${users})?`))) {
      process.stderr.write('not deleted\n');
      return EXIT.failure;
    }
  }
  await remote.request('DELETE', path(args.id));
  if (args.values.json) printJson({ id: args.id, deleted: true });
  else process.stdout.write(`deleted ${args.id}\n`);
  return EXIT.ok;
}

function help(): number {
  process.stdout.write(HELP);
  return EXIT.ok;
}

const SUBCOMMANDS: Record<string, (remote: Remote, argv: string[]) => Promise<number>> = {
  list,
  show,
  create,
  authorize,
  refresh,
  revoke,
  test,
  delete: remove,
};

export async function credentialsCommand(args: string[]): Promise<number> {
  const { profile, rest: argv } = takeProfile(args);
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(HELP);
    return sub ? EXIT.ok : EXIT.usage;
  }
  const run = SUBCOMMANDS[sub];
  if (!run) throw new UsageError(`unknown credentials command "${sub}" (see latchkey credentials --help)`);
  if (rest.includes('--help') || rest.includes('-h')) return help();
  return withRemote('credentials', (remote) => run(remote, rest), { profile });
}

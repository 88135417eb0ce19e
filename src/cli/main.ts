#!/usr/bin/env node
/** `latchkey` — start the server, migrate, rotate keys, manage API keys. */
import { ConfigError, loadConfig } from '../config/index.js';
import { ConnectorDefinitionError } from '../connectors/index.js';
import { KeyringError } from '../vault/index.js';
import { VERSION } from '../version.js';
import { EXIT, EXIT_HELP, UsageError } from './args.js';
import { connectorsCommand } from './connectors.js';
import { credentialsCommand } from './credentials.js';
import { destinationsCommand, sourcesCommand } from './sources.js';

type Command = (argv: string[]) => Promise<number>;
/**
 * The server's modules load only for the commands that need them, so that the commands that talk to a running
 * server over HTTP start in a fraction of the time.
 */
const lazy =
  <K extends string>(load: () => Promise<Record<K, Command>>, name: K): Command =>
  async (argv) =>
    (await load())[name](argv);
const local = () => import('./local.js');
const migrateCommand = lazy(local, 'migrateCommand');
const keysCommand = lazy(local, 'keysCommand');
const apiKeysLocalCommand = lazy(local, 'apiKeysLocalCommand');
const sandboxCommand = lazy(() => import('./sandbox.js'), 'sandboxCommand');
const usersCommand = lazy(() => import('./users.js'), 'usersCommand');

const HELP = `latchkey ${VERSION} — self-hosted OAuth credential broker

Usage: latchkey <command> [options]

Commands:
  start                 Run the server (API, OAuth callback, UI, refresher)
  migrate               Bring the database schema up to date
  keys rotate|status    Master-key rotation: re-seal every secret under the active key
  api-keys create|list|revoke
                        API keys: create one (printed once), list them, revoke one
  users create|list     Accounts: create one (password asked, or --password-stdin), list members
  sandbox               Run the offline 2ememain sandbox provider alone on its own port
  connectors check      Validate connector definition files
  help                  This text

On a running server (over HTTP):
  credentials list|show|create|authorize|refresh|revoke|test|delete
                        Credentials: create one, print its authorization URL, refresh, revoke, test…
  sources list|run      Data sources: run one with progress
  destinations list|run Data destinations: push a JSON Lines file

Configuration comes from the environment (see README: LATCHKEY_DATABASE_URL, LATCHKEY_MASTER_KEY, …).
The commands on a running server use LATCHKEY_URL and LATCHKEY_API_KEY, or ~/.config/latchkey/config.json
{"url", "apiKey", "profiles": {"NAME": {"url", "apiKey"}}} with --profile NAME. They print tables, or the
API's JSON with --json. Every command accepts --help.

${EXIT_HELP}`;

async function start(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'Usage: latchkey start\n\nRun the server with the configuration from the environment.\n',
    );
    return 0;
  }
  const config = loadConfig();
  // Everything the server creates — the database file, run files, the sandbox's state — is its own only.
  process.umask(0o077);
  const { startServer } = await import('../server.js');
  const server = await startServer(config);
  process.stdout.write(`Latchkey is running at ${config.publicUrl}\n`);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      server.ctx.log.info({ signal }, 'shutting down');
      server.stop().then(resolve, (err) => {
        server.ctx.log.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
  return 0;
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  start,
  migrate: migrateCommand,
  keys: keysCommand,
  'api-keys': apiKeysLocalCommand,
  users: usersCommand,
  sandbox: sandboxCommand,
  connectors: connectorsCommand,
  credentials: credentialsCommand,
  sources: sourcesCommand,
  destinations: destinationsCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`latchkey: unknown command "${command}" (see latchkey --help)\n`);
    return EXIT.usage;
  }
  try {
    return await run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`latchkey ${command}: ${err.message}\n`);
      return EXIT.usage;
    }
    if (
      err instanceof ConfigError ||
      err instanceof KeyringError ||
      err instanceof ConnectorDefinitionError
    ) {
      process.stderr.write(`latchkey: ${err.message}\n`);
      return EXIT.failure;
    }
    throw err;
  }
}

// `latchkey … | head` closes our output early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`latchkey: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failure;
  },
);

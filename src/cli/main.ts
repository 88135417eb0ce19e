#!/usr/bin/env node
/** `latchkey` — start the server, migrate, rotate keys, manage API keys. */
import { ConfigError, loadConfig } from '../config/index.js';
import { ConnectorDefinitionError } from '../connectors/index.js';
import { startServer } from '../server.js';
import { KeyringError } from '../vault/index.js';
import { VERSION } from '../version.js';
import { EXIT, UsageError } from './args.js';
import { apiKeysLocalCommand, keysCommand, migrateCommand } from './local.js';
import { sandboxCommand } from './sandbox.js';
import { destinationsCommand, sourcesCommand } from './sources.js';

const HELP = `latchkey ${VERSION} — self-hosted OAuth credential broker

Usage: latchkey <command> [options]

Commands:
  start                 Run the server (API, OAuth callback, UI, refresher)
  migrate               Bring the database schema up to date
  keys rotate|status    Master-key rotation: re-seal every secret under the active key
  api-keys create       Create an API key (printed once)
  sandbox               Run the offline 2ememain sandbox provider alone on its own port
  sources list|run      Data sources on a running server (LATCHKEY_URL, LATCHKEY_API_KEY)
  destinations list|run Data destinations on a running server: push a JSON Lines file
  help                  This text

Configuration comes from the environment (see README: LATCHKEY_DATABASE_URL, LATCHKEY_MASTER_KEY, …).
Every command accepts --help.
`;

async function start(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'Usage: latchkey start\n\nRun the server with the configuration from the environment.\n',
    );
    return 0;
  }
  const config = loadConfig();
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
  sandbox: sandboxCommand,
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`latchkey: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failure;
  },
);

/** `latchkey sandbox`: the 2ememain sandbox provider alone, on its own port. */
import { startSandboxServer } from '../sandbox/index.js';
import { parse, UsageError } from './args.js';

const HELP = `Usage: latchkey sandbox [--port N] [--host H] [--token-ttl SECONDS] [--advertisements N] [--state FILE] [--issuer URL] [--controls]

Run the offline 2ememain sandbox (an OAuth 2.0 authorization server and a Marktplaats-style API) alone.
Prints its base URL (the issuer) on one line; register apps at <url>/developer/api-settings.
  --port            default 4010 (0: any free port)
  --token-ttl       access-token lifetime in seconds (default 3600)
  --advertisements  seeded ads of the demo user (default 250)
  --state           keep registered apps and tokens in this JSON file across restarts
  --issuer          the public base URL, when it differs from http://HOST:PORT/sandbox/2ememain
  --controls        serve /_control/* (stats, faults) for tests
`;

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
  return Number(value);
}

export async function sandboxCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    'token-ttl': { type: 'string' },
    advertisements: { type: 'string' },
    state: { type: 'string' },
    issuer: { type: 'string' },
    controls: { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const server = await startSandboxServer({
    host: values.host ?? '127.0.0.1',
    port: int('port', values.port, 4010),
    accessTokenTtlS: int('token-ttl', values['token-ttl'], 3600) || 3600,
    advertisements: int('advertisements', values.advertisements, 250),
    statePath: values.state,
    issuer: values.issuer,
    controls: Boolean(values.controls),
  });
  process.stdout.write(`${server.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => void server.close().then(resolve, resolve);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}

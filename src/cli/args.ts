/** Small helpers for the `latchkey` command: argument parsing on node:util, output, exit codes. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes scripts can rely on (documented in `latchkey --help` and the README). */
export const EXIT = { ok: 0, failure: 1, usage: 2, unavailable: 3, notFound: 4, auth: 5 } as const;

export const EXIT_HELP = `Exit codes:
  0  success
  1  failure (the server refused, a run or test failed)
  2  usage: unknown command or option, missing argument, bad config file
  3  Latchkey unreachable, or a server or provider error (HTTP 5xx)
  4  not found (no such credential, source, … in the API key's workspace)
  5  authentication or permission: no or a wrong API key (401), a role that may not (403)
`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Parse `30d`, `12h`, `45m`, `90s` into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (!m) throw new UsageError(`invalid duration "${text}": use e.g. 90s, 45m, 12h or 30d`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A plain text table: columns padded to the widest cell. */
export function printTable(headers: string[], rows: (string | number | null | undefined)[][]): void {
  const cells = [
    headers,
    ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c)))),
  ];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  for (const [n, row] of cells.entries()) {
    process.stdout.write(
      row
        .map((c, i) => (c ?? '').padEnd(widths[i]!))
        .join('  ')
        .trimEnd() + '\n',
    );
    if (n === 0) process.stdout.write(widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  }
}

/**
 * `latchkey sources …` and `latchkey destinations …`: list them and run them on a running server (over
 * HTTP, see remote.ts), with progress on stderr — one line updated in place on a terminal, plain lines
 * otherwise — and the outcome as the exit code.
 */
import fs from 'node:fs';
import type { DataView, PushResult, RunView } from '../sources/schemas.js';
import { EXIT, EXIT_HELP, parse, printJson, printTable, UsageError } from './args.js';
import { takeProfile } from './profile.js';
import { CONNECTION_HELP, withRemote, type Remote } from './remote.js';

type Kind = 'source' | 'destination';
const PLURAL: Record<Kind, string> = { source: 'sources', destination: 'destinations' };
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

const ENV_HELP = `Every command takes --profile NAME. ${CONNECTION_HELP}

${EXIT_HELP}`;

const HELP: Record<Kind, string> = {
  source: `Usage: latchkey sources <command>

Commands:
  list [--json] [--limit N]     The sources of the API key's workspace, newest first
  run <id> [--json]             Pull every page of a source on the server; progress on stderr.
                                Exit code 0 when the run succeeded, 1 when it failed or was cancelled.
                                --json prints the final run. Ctrl-C cancels the run.

${ENV_HELP}`,
  destination: `Usage: latchkey destinations <command>

Commands:
  list [--json] [--limit N]               The destinations of the API key's workspace, newest first
  run <id> --file records.jsonl [--json]  Upload JSON Lines (one record per line) and push every record;
                                          progress on stderr, then the failed records by line. Exit code 0
                                          when every record was accepted, 1 otherwise. --json prints the
                                          final run. Ctrl-C cancels the run.

${ENV_HELP}`,
};

const seconds = (ms: number | null) => `${((ms ?? 0) / 1000).toFixed(1)}s`;

/** One progress line: `running  120/250 records (48%) · 2 pages · 3.1s`. */
export function formatProgress(run: RunView, elapsedMs: number): string {
  const done = run.records + run.failed;
  const count =
    run.total !== null && run.total > 0
      ? `${done}/${run.total} records (${Math.min(100, Math.floor((done / run.total) * 100))}%)`
      : `${done} records`;
  const parts = [count];
  if (run.kind === 'source') parts.push(`${run.pages} page${run.pages === 1 ? '' : 's'}`);
  if (run.failed > 0) parts.push(`${run.failed} failed`);
  parts.push(seconds(run.durationMs ?? elapsedMs));
  return `${run.status.padEnd(9)} ${parts.join(' · ')}`;
}

/** Poll a run until it ends, drawing progress on stderr; Ctrl-C asks the server to cancel it. */
async function follow(remote: Remote, kind: Kind, id: string, run: RunView): Promise<RunView> {
  const path = `/api/v1/${PLURAL[kind]}/${encodeURIComponent(id)}/runs/${encodeURIComponent(run.id)}`;
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let lastLine = '';
  let lastPrinted = 0;
  let cancelling = false;
  const onSigint = () => {
    if (cancelling) process.exit(130);
    cancelling = true;
    process.stderr.write(`${tty ? '\n' : ''}cancelling run ${run.id}… (Ctrl-C again to leave it running)\n`);
    remote.request('POST', `${path}/cancel`).catch(() => {});
  };
  process.on('SIGINT', onSigint);
  try {
    for (;;) {
      const line = formatProgress(run, Date.now() - started);
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
      else if (
        line.replace(/ · [\d.]+s$/, '') !== lastLine.replace(/ · [\d.]+s$/, '') ||
        Date.now() - lastPrinted > 5_000
      ) {
        process.stderr.write(`${line}\n`);
        lastPrinted = Date.now();
      }
      lastLine = line;
      if (FINISHED.has(run.status)) break;
      await new Promise((r) => setTimeout(r, tty ? 200 : 500));
      run = await remote.request<RunView>('GET', path);
    }
    if (tty) process.stderr.write('\n');
    return run;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function summary(run: RunView): string {
  const head = `run ${run.id} ${run.status}: ${run.records} record${run.records === 1 ? '' : 's'}`;
  const extra =
    run.kind === 'source' ? `, ${run.pages} page${run.pages === 1 ? '' : 's'}` : `, ${run.failed} failed`;
  const error = run.error ? ` — ${run.error.code}: ${run.error.message}` : '';
  return `${head}${extra} in ${seconds(run.durationMs)}${error}\n`;
}

async function list(remote: Remote, kind: Kind, argv: string[]): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' }, limit: { type: 'string' } });
  if (values.help) {
    process.stdout.write(HELP[kind]);
    return EXIT.ok;
  }
  const limit = values.limit ?? '200';
  if (!/^\d+$/.test(limit)) throw new UsageError('--limit must be a number');
  const page = await remote.request<{ items: DataView[]; nextCursor: string | null }>(
    'GET',
    `/api/v1/${PLURAL[kind]}?limit=${limit}`,
  );
  if (values.json) printJson(page);
  else
    printTable(
      ['ID', 'NAME', 'CONNECTOR', 'RESOURCE', 'CREDENTIAL', 'CREATED'],
      page.items.map((s) => [s.id, s.name, s.connector, s.resource, s.credentialId, s.createdAt]),
    );
  return EXIT.ok;
}

async function runSource(remote: Remote, argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, true);
  if (values.help) {
    process.stdout.write(HELP.source);
    return EXIT.ok;
  }
  const [id, ...extra] = positionals;
  if (!id || extra.length > 0) throw new UsageError('usage: latchkey sources run <id> [--json]');
  const started = await remote.request<RunView>('POST', `/api/v1/sources/${encodeURIComponent(id)}/runs`, {
    json: {},
  });
  const run = await follow(remote, 'source', id, started);
  if (values.json) printJson(run);
  else process.stdout.write(summary(run));
  return run.status === 'succeeded' ? EXIT.ok : EXIT.failure;
}

async function runDestination(remote: Remote, argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { json: { type: 'boolean' }, file: { type: 'string', short: 'f' } },
    true,
  );
  if (values.help) {
    process.stdout.write(HELP.destination);
    return EXIT.ok;
  }
  const [id, ...extra] = positionals;
  if (!id || extra.length > 0 || !values.file)
    throw new UsageError('usage: latchkey destinations run <id> --file records.jsonl [--json]');
  let body: Buffer;
  try {
    body = fs.readFileSync(values.file);
  } catch (err) {
    process.stderr.write(`latchkey destinations: cannot read ${values.file}: ${(err as Error).message}\n`);
    return EXIT.failure;
  }
  const path = `/api/v1/destinations/${encodeURIComponent(id)}/runs`;
  const started = await remote.request<RunView>('POST', path, {
    body,
    contentType: 'application/x-ndjson',
    timeoutMs: 300_000,
  });
  const run = await follow(remote, 'destination', id, started);
  if (run.failed > 0) {
    const text = await remote.text(`${path}/${encodeURIComponent(run.id)}/results`);
    const failures = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as PushResult)
      .filter((r) => !r.ok)
      .sort((a, b) => a.line - b.line);
    process.stderr.write(`${failures.length} of ${run.total ?? '?'} records failed:\n`);
    for (const f of failures.slice(0, 20)) {
      const fields = (f.error?.details ?? []).map((d) => `${d.field} ${d.message}`).join('; ');
      const status = f.status === null ? '' : `HTTP ${f.status} `;
      process.stderr.write(
        `  line ${f.line}: ${status}${f.error?.code ?? ''}: ${f.error?.message ?? ''}${fields ? ` (${fields})` : ''}\n`,
      );
    }
    if (failures.length > 20)
      process.stderr.write(`  … and ${failures.length - 20} more (GET ${path}/${run.id}/results)\n`);
  }
  if (values.json) printJson(run);
  else process.stdout.write(summary(run));
  return run.status === 'succeeded' && run.failed === 0 ? EXIT.ok : EXIT.failure;
}

function command(kind: Kind) {
  return async (args: string[]): Promise<number> => {
    const { profile, rest: argv } = takeProfile(args);
    const [sub, ...rest] = argv;
    if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
      process.stdout.write(HELP[kind]);
      return sub ? EXIT.ok : EXIT.usage;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP[kind]);
      return EXIT.ok;
    }
    return withRemote(
      PLURAL[kind],
      async (remote) => {
        if (sub === 'list') return list(remote, kind, rest);
        if (sub === 'run') return kind === 'source' ? runSource(remote, rest) : runDestination(remote, rest);
        throw new UsageError(
          `unknown ${PLURAL[kind]} command "${sub}" (see latchkey ${PLURAL[kind]} --help)`,
        );
      },
      { profile },
    );
  };
}

export const sourcesCommand = command('source');
export const destinationsCommand = command('destination');

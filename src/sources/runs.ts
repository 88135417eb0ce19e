/**
 * Runs execute in the server process, in the background: at most `maxActive` at once, the rest `queued`.
 * A running run writes its counts to its `runs` row at most every `progressMs` (and at the end) and beats
 * a heartbeat (`updated_at`) every `heartbeatMs`; a queued or running run whose heartbeat is older than
 * `staleMs` belonged to a process that died, and whoever notices (start-up, any read) marks it `failed` /
 * `interrupted`. Cancel sets `cancel_requested` (seen by the running process at its next progress write)
 * and stops a local run at once. Shutdown stops every local run, which ends `cancelled` / `shutdown`.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AuditService } from '../audit/service.js';
import type { OperationContext } from '../auth/principal.js';
import { newId } from '../db/index.js';
import { AppError, notFound } from '../http/errors.js';
import type { Logger } from '../logging/index.js';
import { pullAll, pushAll, type Counts, type RunError, type RunIO, type RunOutcome } from './executors.js';
import { splitLines, toJsonLines } from './jsonl.js';
import { presentRun } from './present.js';
import type { RunRow, SourceRepository } from './repository.js';
import type { RunFileKind, RunFiles } from './run-files.js';
import { FINISHED_STATUSES, PUSH_LIMITS, type DataKind, type RunStatus, type RunView } from './schemas.js';
import type { Target } from './service.js';
import { RunToken, sleep, type UpstreamDeps } from './upstream.js';

export interface RunServiceDeps {
  repo: SourceRepository;
  files: RunFiles;
  upstream: UpstreamDeps;
  audit: AuditService;
  log: Logger;
  clock?: () => number;
  /** A run without a heartbeat this long is interrupted (default 60 s). */
  staleMs?: number;
  heartbeatMs?: number;
  /** Runs executing at once in this process (default 4). */
  maxActive?: number;
  /** Records a destination run sends at once (default 4). */
  pushConcurrency?: number;
  /** The shortest interval between progress writes (default 250 ms). */
  progressMs?: number;
}

/** Test and instrumentation hooks. */
export interface RunHooks {
  afterPage?: (run: { runId: string; page: number }) => Promise<void> | void;
}

/** Why a local run was stopped: the abort reason of its signal. */
class RunStop extends Error {
  constructor(readonly why: 'cancel' | 'shutdown') {
    super(why === 'cancel' ? 'run cancelled' : 'server shutting down');
    this.name = 'RunStop';
  }
}

interface LocalRun {
  id: string;
  kind: DataKind;
  ctx: OperationContext;
  target: Target;
  abort: AbortController;
  /** Known at the start (a destination's input records), else null. */
  total: number | null;
  done: Promise<void>;
  resolve: () => void;
  execute: (io: RunIO) => Promise<RunOutcome>;
}

export type PushInput = { jsonLines: string } | { records: Record<string, unknown>[] };

export function createRunService(deps: RunServiceDeps) {
  const { repo, files, log, audit } = deps;
  const clock = deps.clock ?? Date.now;
  const staleMs = deps.staleMs ?? 60_000;
  const heartbeatMs = deps.heartbeatMs ?? 10_000;
  const maxActive = deps.maxActive ?? 4;
  const progressMs = deps.progressMs ?? 250;
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const local = new Map<string, LocalRun>();
  const queue: LocalRun[] = [];
  const hooks: RunHooks = {};
  let active = 0;
  let closing = false;
  let heartbeat: NodeJS.Timeout | null = null;

  function beat(): void {
    if (local.size === 0) {
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = null;
      return;
    }
    if (heartbeat) return;
    heartbeat = setInterval(() => {
      repo
        .heartbeat([...local.keys()], clock())
        .catch((err: unknown) => log.warn({ err }, 'run heartbeat failed'));
    }, heartbeatMs);
    heartbeat.unref();
  }

  async function enqueue(
    ctx: OperationContext,
    target: Target,
    kind: DataKind,
    total: number | null,
    prepare: (runId: string) => Promise<void>,
    work: (run: LocalRun, io: RunIO) => Promise<RunOutcome>,
  ): Promise<RunView> {
    if (closing)
      throw new AppError('service_unavailable', 'the server is shutting down; start the run again');
    const now = clock();
    const id = newId('run', now);
    await prepare(id);
    const row: RunRow = {
      id,
      workspace_id: ctx.workspaceId,
      source_id: target.row.id,
      kind,
      status: 'queued',
      records: 0,
      pages: 0,
      failed: 0,
      total,
      error_code: null,
      error_message: null,
      file_path: files.relative(id, kind === 'source' ? 'records' : 'results'),
      cancel_requested: 0,
      owner,
      created_at: now,
      started_at: null,
      finished_at: null,
      updated_at: now,
    };
    await repo.insertRun(row);
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const run: LocalRun = {
      id,
      kind,
      ctx: { workspaceId: ctx.workspaceId, actor: ctx.actor, requestId: ctx.requestId },
      target,
      abort: new AbortController(),
      total,
      done,
      resolve,
      execute: (io) => work(run, io),
    };
    local.set(id, run);
    queue.push(run);
    beat();
    await audit.recordFor(ctx, `${kind}.run_started`, { type: kind, id: target.row.id }, 'ok', { runId: id });
    pump();
    return presentRun(row, clock());
  }

  function pump(): void {
    while (active < maxActive && queue.length > 0) {
      const run = queue.shift()!;
      active++;
      void execute(run)
        .catch((err: unknown) => log.error({ err, runId: run.id }, 'run bookkeeping failed'))
        .finally(() => {
          active--;
          local.delete(run.id);
          beat();
          run.resolve();
          pump();
        });
    }
  }

  function stopOutcome(reason: unknown): { status: RunStatus; error: RunError | null } {
    if (reason instanceof RunStop && reason.why === 'shutdown') {
      return {
        status: 'cancelled',
        error: { code: 'shutdown', message: 'the server stopped during the run; start a new run' },
      };
    }
    return { status: 'cancelled', error: null };
  }

  async function execute(run: LocalRun): Promise<void> {
    const counts: Counts = { records: 0, pages: 0, failed: 0, total: run.total };
    if (run.abort.signal.aborted || !(await repo.markRunning(run.id, owner, clock()))) {
      await finish(run, stopOutcome(run.abort.signal.reason), counts);
      return;
    }
    let lastWrite = 0;
    let writing: Promise<void> | null = null;
    const write = async () => {
      lastWrite = clock();
      const { cancelRequested } = await repo.progress(run.id, {
        records: counts.records,
        pages: counts.pages,
        failed: counts.failed,
        total: counts.total,
        updated_at: lastWrite,
      });
      if (cancelRequested && !run.abort.signal.aborted) run.abort.abort(new RunStop('cancel'));
    };
    const io: RunIO = {
      signal: run.abort.signal,
      upstream: deps.upstream,
      token: new RunToken(
        deps.upstream.tokens,
        run.ctx,
        run.target.row.credential_id,
        run.kind === 'source' ? 0 : 1_000,
        clock,
      ),
      counts,
      progress: async () => {
        if (writing || clock() - lastWrite < progressMs) return;
        writing = write().finally(() => (writing = null));
        await writing;
      },
      afterPage: hooks.afterPage ? (page) => hooks.afterPage?.({ runId: run.id, page }) : undefined,
    };
    let outcome: { status: RunStatus; error: RunError | null };
    try {
      const result = await run.execute(io);
      outcome = result.status === 'succeeded' ? { status: 'succeeded', error: null } : result;
    } catch (err) {
      if (run.abort.signal.aborted) outcome = stopOutcome(run.abort.signal.reason);
      else {
        log.error({ err, runId: run.id }, 'run failed unexpectedly');
        outcome = {
          status: 'failed',
          error: { code: 'internal_error', message: 'the run failed unexpectedly; see the server log' },
        };
      }
    }
    if (writing) await (writing as Promise<void>).catch(() => {});
    await finish(run, outcome, counts);
  }

  async function finish(
    run: LocalRun,
    outcome: { status: RunStatus; error: RunError | null },
    counts: Counts,
  ): Promise<void> {
    const now = clock();
    const finished = await repo.finish(run.id, {
      status: outcome.status,
      records: counts.records,
      pages: counts.pages,
      failed: counts.failed,
      total: counts.total,
      error_code: outcome.error?.code ?? null,
      error_message: outcome.error?.message ?? null,
      finished_at: now,
      updated_at: now,
    });
    if (!finished) return;
    await audit.recordFor(
      run.ctx,
      `${run.kind}.run_finished`,
      { type: run.kind, id: run.target.row.id },
      outcome.status === 'succeeded' ? 'ok' : 'error',
      {
        runId: run.id,
        status: outcome.status,
        records: counts.records,
        failed: counts.failed,
        pages: counts.pages,
        error: outcome.error?.code ?? null,
      },
    );
  }

  async function markStale(sourceId?: string): Promise<number> {
    const now = clock();
    return repo.markStale(now - staleMs, now, sourceId);
  }

  async function loadRun(workspaceId: string, sourceId: string, runId: string): Promise<RunRow> {
    await markStale(sourceId);
    const row = await repo.findRun(workspaceId, sourceId, runId);
    if (!row) throw notFound('run');
    return row;
  }

  return {
    owner,
    hooks,

    /** Pull every page of a source into `runs/<runId>.jsonl`. */
    startSource(ctx: OperationContext, target: Target): Promise<RunView> {
      return enqueue(
        ctx,
        target,
        'source',
        null,
        async () => {},
        async (run, io) => {
          const out = await files.create(run.id, 'records');
          try {
            return await pullAll(run.target, io, out);
          } finally {
            await out.close();
          }
        },
      );
    },

    /** Push JSON Lines (or a list of records) to a destination; per-record results in `…results.jsonl`. */
    async startDestination(ctx: OperationContext, target: Target, input: PushInput): Promise<RunView> {
      const text = 'jsonLines' in input ? input.jsonLines : toJsonLines(input.records);
      const lines = splitLines(text);
      if (lines.length === 0) throw new AppError('validation_failed', 'body: no records to send');
      if (lines.length > PUSH_LIMITS.records)
        throw new AppError('payload_too_large', `at most ${PUSH_LIMITS.records} records per run`);
      return enqueue(
        ctx,
        target,
        'destination',
        lines.length,
        (runId) => files.writeAll(runId, 'input', text),
        async (run, io) => {
          const input = splitLines(await files.read(run.id, 'input'));
          const out = await files.create(run.id, 'results');
          try {
            return await pushAll(run.target, io, input, out, deps.pushConcurrency ?? 4);
          } finally {
            await out.close();
          }
        },
      );
    },

    async list(workspaceId: string, sourceId: string, q: { cursor?: string; limit: number }) {
      await markStale(sourceId);
      const rows = await repo.listRuns(workspaceId, sourceId, { ...q, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      const now = clock();
      return {
        items: page.map((r) => presentRun(r, now)),
        nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
      };
    },

    async get(workspaceId: string, sourceId: string, runId: string): Promise<RunView> {
      return presentRun(await loadRun(workspaceId, sourceId, runId), clock());
    },

    /** Ask a run to stop; a local one stops at once (waited for up to `waitMs`). Finished runs are left as they are. */
    async cancel(ctx: OperationContext, sourceId: string, runId: string, waitMs = 5_000): Promise<RunView> {
      const row = await loadRun(ctx.workspaceId, sourceId, runId);
      if (!FINISHED_STATUSES.includes(row.status as RunStatus)) {
        await repo.requestCancel(runId, clock());
        const run = local.get(runId);
        if (run) {
          if (!run.abort.signal.aborted) run.abort.abort(new RunStop('cancel'));
          // A pending timer would keep a stopping process alive: cancel it once the run is done.
          const wait = new AbortController();
          await Promise.race([run.done, sleep(waitMs, wait.signal).catch(() => {})]);
          wait.abort();
        }
        await audit.recordFor(ctx, `${row.kind}.run_cancelled`, { type: row.kind, id: sourceId }, 'ok', {
          runId,
        });
      }
      return presentRun((await repo.findRun(ctx.workspaceId, sourceId, runId)) ?? row, clock());
    },

    /** A finished run's file as a stream: `records` of a source run, `results` of a destination run. */
    async openFile(workspaceId: string, sourceId: string, runId: string, kind: RunFileKind) {
      const row = await loadRun(workspaceId, sourceId, runId);
      if (!FINISHED_STATUSES.includes(row.status as RunStatus)) {
        throw new AppError('run_not_finished', `the run is ${row.status}; its file is complete once it ends`);
      }
      const stream = files.open(runId, kind);
      if (!stream) throw notFound('run file (it lives in the data folder of the process that ran the run)');
      return stream;
    },

    /** Start-up: mark runs of dead processes `interrupted`. */
    recover: () => markStale(),

    /** Stop every local run (they end `cancelled` / `shutdown`), waiting up to `waitMs`. */
    async shutdown(waitMs = 15_000): Promise<void> {
      closing = true;
      const runs = [...local.values()];
      for (const run of runs) if (!run.abort.signal.aborted) run.abort.abort(new RunStop('shutdown'));
      // Queued runs never start: finish them here.
      for (const run of queue.splice(0)) {
        local.delete(run.id);
        const counts = { records: 0, pages: 0, failed: 0, total: run.total };
        await finish(run, stopOutcome(run.abort.signal.reason), counts);
        run.resolve();
      }
      // The grace timer is cancelled once the runs are done: left pending, it kept the process alive after
      // SIGTERM for the whole grace period.
      const grace = new AbortController();
      await Promise.race([Promise.all(runs.map((r) => r.done)), sleep(waitMs, grace.signal).catch(() => {})]);
      grace.abort();
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = null;
    },
  };
}

export type RunService = ReturnType<typeof createRunService>;

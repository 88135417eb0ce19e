/** `runSource`: start a run, poll it until it finishes, report progress, cancel it when abandoned. */
import { LatchkeyError, LatchkeyRunError } from './errors.js';
import type { Run, RunStatus } from './types.js';

export interface RunSourceOptions {
  /** Called with the run when it starts and whenever its status or counts change. */
  onProgress?: (run: Run) => void;
  /** Aborting cancels the run on the server and rejects `runSource` with the signal's reason. */
  signal?: AbortSignal;
  /** Time between two polls of the run, in ms. Default 500. */
  intervalMs?: number;
}

/** The three calls a run needs (bound to one source by the client). */
export interface RunCalls {
  start(signal?: AbortSignal): Promise<Run>;
  read(runId: string, signal?: AbortSignal): Promise<Run>;
  cancel(runId: string): Promise<Run>;
}

const FINISHED: ReadonlySet<RunStatus> = new Set<RunStatus>(['succeeded', 'failed', 'cancelled']);
/** Consecutive failed polls (server unreachable, 5xx) tolerated before giving up. */
const POLL_ATTEMPTS = 5;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const transient = (err: unknown) =>
  err instanceof LatchkeyError &&
  (err.code === 'unreachable' || err.code === 'timeout' || (err.status !== null && err.status >= 500));

export async function followRun(calls: RunCalls, options: RunSourceOptions = {}): Promise<Run> {
  const { signal, onProgress, intervalMs = 500 } = options;
  signal?.throwIfAborted();
  let run = await calls.start(signal);
  let reported = '';
  const report = () => {
    const key = [run.status, run.records, run.pages, run.failed, run.total].join('|');
    if (key === reported) return;
    reported = key;
    onProgress?.(run);
  };
  try {
    report();
    let failures = 0;
    while (!FINISHED.has(run.status)) {
      await sleep(intervalMs, signal);
      try {
        run = await calls.read(run.id, signal);
        failures = 0;
      } catch (err) {
        if (signal?.aborted || !transient(err) || ++failures >= POLL_ATTEMPTS) throw err;
        continue;
      }
      report();
    }
  } catch (err) {
    // Abandoned (aborted, a throwing onProgress, the server gone): do not leave the run going unwatched.
    if (!FINISHED.has(run.status)) await calls.cancel(run.id).catch(() => {});
    throw signal?.aborted ? signal.reason : err;
  }
  if (run.status !== 'succeeded') throw new LatchkeyRunError(run);
  return run;
}

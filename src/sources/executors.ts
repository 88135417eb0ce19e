/**
 * What a run does, step by step: a source run pulls every page into its records file; a destination run
 * pushes every input line with bounded concurrency and writes one result per line. Cancellation is the
 * run's abort signal: a stopped run keeps whole pages (or whole results) only.
 */
import { advance, buildUrl, firstPage, recordsOf, totalOf } from './paging.js';
import { parseRecordLine, toJsonLines, type JsonLine } from './jsonl.js';
import type { Appender } from './run-files.js';
import type { PushResult } from './schemas.js';
import type { Target } from './service.js';
import { callUpstream, type RunToken, type UpstreamDeps } from './upstream.js';

/** A safety net for an API whose pages never end. */
export const MAX_PAGES = 100_000;

export interface RunError {
  code: string;
  message: string;
}

export type RunOutcome = { status: 'succeeded' } | { status: 'failed'; error: RunError };

export interface Counts {
  records: number;
  pages: number;
  failed: number;
  total: number | null;
}

export interface RunIO {
  signal: AbortSignal;
  upstream: UpstreamDeps;
  token: RunToken;
  counts: Counts;
  /** Report progress (throttled by the caller). */
  progress(): Promise<void>;
  /** Called after each page is written (tests slow a run down or expire tokens here). */
  afterPage?: (page: number) => Promise<void> | void;
}

const failed = (code: string, message: string): RunOutcome => ({
  status: 'failed',
  error: { code, message },
});

/** Read every page of the source's resource, appending its records to `out` as JSON Lines. */
export async function pullAll(t: Target, io: RunIO, out: Appender): Promise<RunOutcome> {
  const { baseUrl } = t.connector.api;
  const pagination = t.resource.pagination;
  const label = `GET ${t.resource.path}`;
  let state = firstPage({ baseUrl, path: t.resource.path }, pagination, t.params);
  for (let page = 1; ; page++) {
    if (io.signal.aborted) throw io.signal.reason;
    if (page > MAX_PAGES) return failed('too_many_pages', `stopped after ${MAX_PAGES} pages`);
    const res = await callUpstream(io.upstream, io.token, {
      method: 'GET',
      url: state.url,
      headers: t.connector.api.headers,
      signal: io.signal,
      label,
    });
    if (!res.ok) return failed(res.code, `page ${page}: ${res.message}`);
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      return failed(
        'invalid_response',
        `page ${page}: ${label}: the API answered something that is not JSON`,
      );
    }
    const records = recordsOf(body, t.resource.recordsPath);
    if (!records.ok) return failed(records.error.code, `page ${page}: ${records.error.message}`);
    const total = totalOf(body) ?? io.counts.total;
    await out.write(toJsonLines(records.records));
    io.counts.records += records.records.length;
    io.counts.pages = page;
    io.counts.total = total;
    await io.progress();
    await io.afterPage?.(page);
    const next = advance(pagination, state, { count: records.records.length, total, body }, baseUrl);
    if ('error' in next) return failed(next.error.code, `page ${page}: ${next.error.message}`);
    if (next.done) return { status: 'succeeded' };
    state = next.next;
  }
}

/** Failures that no other record would escape: the run stops. */
function isFatal(res: { status: number | null; code: string }): boolean {
  if (res.status === 401 || res.status === 403) return true;
  return res.status === null && res.code !== 'upstream_timeout' && res.code !== 'upstream_unreachable';
}

/** POST each line's record to the destination's resource; one result line per input line. */
export async function pushAll(
  t: Target,
  io: RunIO,
  lines: readonly JsonLine[],
  out: Appender,
  concurrency: number,
): Promise<RunOutcome> {
  const url = buildUrl(t.connector.api.baseUrl, t.resource.path, t.params);
  const label = `POST ${t.resource.path}`;
  let next = 0;
  let fatal: RunError | null = null;

  async function one(item: JsonLine): Promise<PushResult | null> {
    const parsed = parseRecordLine(item.text);
    if (!parsed.ok) {
      return {
        line: item.line,
        ok: false,
        status: null,
        error: { code: parsed.code, message: parsed.message },
      };
    }
    const res = await callUpstream(io.upstream, io.token, {
      method: 'POST',
      url,
      headers: t.connector.api.headers,
      body: JSON.stringify(parsed.record),
      signal: io.signal,
      label,
    });
    if (res.ok) {
      const location = res.headers.get('location');
      return { line: item.line, ok: true, status: res.status, ...(location ? { location } : {}) };
    }
    if (isFatal(res)) {
      fatal ??= { code: res.code, message: `line ${item.line}: ${res.message}` };
      return null;
    }
    const pe = res.providerError;
    return {
      line: item.line,
      ok: false,
      status: res.status,
      error: {
        code: pe?.code ?? res.code,
        message: pe?.message ?? res.message,
        ...(pe && pe.details.length > 0 ? { details: pe.details } : {}),
      },
    };
  }

  async function worker(): Promise<void> {
    while (!fatal && !io.signal.aborted) {
      const item = lines[next++];
      if (!item) return;
      const result = await one(item);
      if (!result) return;
      await out.write(JSON.stringify(result) + '\n');
      if (result.ok) io.counts.records++;
      else io.counts.failed++;
      await io.progress();
    }
  }

  const settled = await Promise.allSettled(
    Array.from({ length: Math.max(1, Math.min(concurrency, lines.length)) }, worker),
  );
  if (io.signal.aborted) throw io.signal.reason;
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  if (fatal) return { status: 'failed', error: fatal };
  return { status: 'succeeded' };
}

/** The fields of sources, destinations and runs that leave the server: allow-lists. */
import { iso } from '../http/schemas.js';
import type { RunRow, SourceRow } from './repository.js';
import type { DataKind, DataView, Params, RunStatus, RunView } from './schemas.js';

export function presentData(row: SourceRow): DataView {
  return {
    id: row.id,
    name: row.name,
    connector: row.connector,
    credentialId: row.credential_id,
    resource: row.resource,
    params: JSON.parse(row.params) as Params,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

export function presentRun(row: RunRow, now: number): RunView {
  const status = row.status as RunStatus;
  const end = row.finished_at ?? (status === 'running' ? now : null);
  return {
    id: row.id,
    sourceId: row.source_id,
    kind: row.kind as DataKind,
    status,
    records: row.records,
    pages: row.pages,
    failed: row.failed,
    total: row.total,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    durationMs: row.started_at !== null && end !== null ? Math.max(0, end - row.started_at) : null,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
  };
}

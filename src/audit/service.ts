/**
 * The append-only audit log: who did what to which credential, when, with what outcome.
 * `detail` is a small JSON object of non-secret facts; secrets never enter it.
 */
import type { Actor, OperationContext } from '../auth/principal.js';
import type { Db } from '../db/index.js';
import { newId } from '../db/index.js';

export interface AuditInput {
  workspaceId: string;
  actor: Actor;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  outcome?: 'ok' | 'error';
  detail?: Record<string, unknown> | null;
  requestId?: string | null;
}

export interface AuditEvent {
  id: string;
  at: string;
  actor: Actor;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  detail: Record<string, unknown> | null;
  requestId: string | null;
}

export interface AuditQuery {
  action?: string;
  targetId?: string;
  actorId?: string;
  outcome?: 'ok' | 'error';
  since?: number;
  until?: number;
  cursor?: string;
  limit: number;
}

/** Called after an event is stored (webhooks subscribe here). */
export type AuditListener = (event: AuditInput & { id: string; at: number }) => void;

export interface AuditService {
  record(input: AuditInput): Promise<void>;
  /**
   * Record without waiting: buffered and written in batches (every 100 ms or 200 events) — for the hot
   * path of token hand-outs. `flush()` writes what is pending; closing the context flushes.
   */
  enqueue(input: AuditInput): void;
  flush(): Promise<void>;
  subscribe(listener: AuditListener): () => void;
  /** Shorthand for an operation performed by a request's caller. */
  recordFor(
    ctx: OperationContext,
    action: string,
    target: { type: string; id: string } | null,
    outcome?: 'ok' | 'error',
    detail?: Record<string, unknown> | null,
  ): Promise<void>;
  list(workspaceId: string, q: AuditQuery): Promise<{ items: AuditEvent[]; nextCursor: string | null }>;
}

export function createAuditService(deps: {
  db: Db;
  clock?: () => number;
  onError?: (err: unknown) => void;
}): AuditService {
  const { db } = deps;
  const clock = deps.clock ?? Date.now;
  const listeners = new Set<AuditListener>();
  let pending: ReturnType<typeof toRow>[] = [];
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  function toRow(input: AuditInput) {
    const at = clock();
    return {
      id: newId('evt', at),
      workspace_id: input.workspaceId,
      at,
      actor_type: input.actor.type,
      actor_id: input.actor.id,
      action: input.action,
      target_type: input.targetType ?? null,
      target_id: input.targetId ?? null,
      outcome: input.outcome ?? 'ok',
      detail: input.detail ? JSON.stringify(input.detail) : null,
      request_id: input.requestId ?? null,
    };
  }

  function notify(input: AuditInput, row: { id: string; at: number }): void {
    for (const l of listeners) {
      try {
        l({ ...input, id: row.id, at: row.at });
      } catch (err) {
        deps.onError?.(err);
      }
    }
  }

  const record = async (input: AuditInput): Promise<void> => {
    const row = toRow(input);
    await db.kysely.insertInto('audit_events').values(row).execute();
    notify(input, row);
  };

  const flush = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    const batch = pending;
    pending = [];
    flushing = flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await db.kysely.insertInto('audit_events').values(batch).execute();
      } catch (err) {
        deps.onError?.(err);
      }
    });
    return flushing;
  };

  return {
    record,
    enqueue(input) {
      const row = toRow(input);
      pending.push(row);
      notify(input, row);
      if (pending.length >= 200) void flush();
      else timer ??= setTimeout(() => void flush(), 100);
    },
    flush,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    recordFor: (ctx, action, target, outcome = 'ok', detail = null) =>
      record({
        workspaceId: ctx.workspaceId,
        actor: ctx.actor,
        action,
        targetType: target?.type ?? null,
        targetId: target?.id ?? null,
        outcome,
        detail,
        requestId: ctx.requestId,
      }),
    async list(workspaceId, q) {
      let query = db.kysely.selectFrom('audit_events').selectAll().where('workspace_id', '=', workspaceId);
      if (q.action) query = query.where('action', '=', q.action);
      if (q.targetId) query = query.where('target_id', '=', q.targetId);
      if (q.actorId) query = query.where('actor_id', '=', q.actorId);
      if (q.outcome) query = query.where('outcome', '=', q.outcome);
      if (q.since !== undefined) query = query.where('at', '>=', q.since);
      if (q.until !== undefined) query = query.where('at', '<', q.until);
      // Newest first; the cursor is the last id seen.
      if (q.cursor) query = query.where('id', '<', q.cursor);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(q.limit + 1)
        .execute();
      const page = rows.slice(0, q.limit);
      return {
        items: page.map((r) => ({
          id: r.id,
          at: new Date(r.at).toISOString(),
          actor: { type: r.actor_type as Actor['type'], id: r.actor_id },
          action: r.action,
          targetType: r.target_type,
          targetId: r.target_id,
          outcome: r.outcome,
          detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
          requestId: r.request_id,
        })),
        nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
      };
    },
  };
}

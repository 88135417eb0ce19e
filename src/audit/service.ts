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

export interface AuditService {
  record(input: AuditInput): Promise<void>;
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

export function createAuditService(deps: { db: Db; clock?: () => number }): AuditService {
  const { db } = deps;
  const clock = deps.clock ?? Date.now;
  const record = async (input: AuditInput): Promise<void> => {
    const at = clock();
    await db.kysely
      .insertInto('audit_events')
      .values({
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
      })
      .execute();
  };
  return {
    record,
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

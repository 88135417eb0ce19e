/**
 * Webhook subscriptions per workspace, and their deliveries: every audited credential event of a subscribed
 * type becomes a delivery row (so nothing is lost across restarts), sent by a worker with retries and
 * backoff. Payloads carry ids, statuses and error codes — never a secret or token.
 */

import type { AuditInput, AuditService } from '../audit/service.js';
import type { OperationContext } from '../auth/principal.js';
import { newId, type Db } from '../db/index.js';
import { notFound } from '../http/errors.js';
import type { Logger } from '../logging/index.js';
import type { Outbound } from '../outbound/index.js';
import { aadFor, type Vault } from '../vault/index.js';
import { generateWebhookSecret, sign } from './signature.js';

import { WEBHOOK_EVENTS, type WebhookEvent } from './schemas.js';
export { WEBHOOK_EVENTS, type WebhookEvent };

/** Seconds after each failed attempt; after the last, the delivery is `failed`. */
export const RETRY_SCHEDULE_S = [5, 30, 120, 600, 1800, 3600];

export interface WebhookView {
  id: string;
  url: string;
  events: WebhookEvent[];
  description: string | null;
  createdAt: string;
}

export interface DeliveryView {
  id: string;
  eventType: string;
  eventId: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  payload: unknown;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function createWebhookService(deps: {
  db: Db;
  vault: Vault;
  audit: AuditService;
  outbound: Outbound;
  log: Logger;
  clock?: () => number;
}) {
  const { db, vault, log } = deps;
  const k = db.kysely;
  const clock = deps.clock ?? Date.now;

  function present(row: {
    id: string;
    url: string;
    events: string;
    description: string | null;
    created_at: number;
  }): WebhookView {
    return {
      id: row.id,
      url: row.url,
      events: JSON.parse(row.events) as WebhookEvent[],
      description: row.description,
      createdAt: iso(row.created_at)!,
    };
  }

  /** Turn an audited event into deliveries for the workspace's subscribers. */
  async function fanOut(event: AuditInput & { id: string; at: number }): Promise<void> {
    if (!(WEBHOOK_EVENTS as readonly string[]).includes(event.action)) return;
    const hooks = await k
      .selectFrom('webhooks')
      .select(['id', 'events'])
      .where('workspace_id', '=', event.workspaceId)
      .where('disabled_at', 'is', null)
      .execute();
    const targets = hooks.filter((h) => (JSON.parse(h.events) as string[]).includes(event.action));
    if (targets.length === 0) return;
    const detail = event.detail ?? {};
    const payload = JSON.stringify({
      type: event.action,
      timestamp: new Date(event.at).toISOString(),
      data: {
        workspaceId: event.workspaceId,
        credentialId: event.targetId,
        outcome: event.outcome ?? 'ok',
        ...(typeof detail.code === 'string'
          ? {
              error: {
                code: detail.code,
                message: typeof detail.message === 'string' ? detail.message : null,
              },
            }
          : {}),
      },
    });
    const now = clock();
    await k
      .insertInto('webhook_deliveries')
      .values(
        targets.map((h) => ({
          id: newId('whd', now),
          webhook_id: h.id,
          workspace_id: event.workspaceId,
          event_type: event.action,
          event_id: event.id,
          payload,
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          last_status_code: null,
          last_error: null,
          created_at: now,
          delivered_at: null,
        })),
      )
      .execute();
  }

  const unsubscribe = deps.audit.subscribe((event) => {
    void fanOut(event).catch((err: unknown) => log.error({ err }, 'webhook fan-out failed'));
  });

  async function deliver(d: {
    id: string;
    webhook_id: string;
    payload: string;
    attempts: number;
    event_id: string;
  }): Promise<void> {
    const hook = await k.selectFrom('webhooks').selectAll().where('id', '=', d.webhook_id).executeTakeFirst();
    if (!hook) return;
    const secret = vault.open(hook.secret_sealed, aadFor(hook.id, 'webhook_secret'));
    const ts = Math.floor(clock() / 1000);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await deps.outbound.fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Latchkey-Webhooks',
          'webhook-id': d.event_id,
          'webhook-timestamp': String(ts),
          'webhook-signature': sign(secret, d.event_id, ts, d.payload),
        },
        body: d.payload,
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      await res.body?.cancel();
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (err) {
      error = (err as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable';
    }
    const attempts = d.attempts + 1;
    const now = clock();
    if (!error) {
      await k
        .updateTable('webhook_deliveries')
        .set({
          status: 'delivered',
          attempts,
          last_status_code: status,
          last_error: null,
          delivered_at: now,
          next_attempt_at: null,
        })
        .where('id', '=', d.id)
        .execute();
      return;
    }
    const delay = RETRY_SCHEDULE_S[attempts - 1];
    await k
      .updateTable('webhook_deliveries')
      .set({
        status: delay === undefined ? 'failed' : 'pending',
        attempts,
        last_status_code: status,
        last_error: error,
        next_attempt_at:
          delay === undefined ? null : Math.round(now + delay * 1000 * (0.9 + 0.2 * Math.random())),
      })
      .where('id', '=', d.id)
      .execute();
  }

  /** Send what is due; PostgreSQL processes claim rows with SKIP LOCKED (a short claim by pushing next_attempt_at). */
  async function deliverDue(limit = 50): Promise<number> {
    const now = clock();
    const claimed = await k.transaction().execute(async (trx) => {
      let q = trx
        .selectFrom('webhook_deliveries')
        .select(['id', 'webhook_id', 'payload', 'attempts', 'event_id'])
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(limit);
      if (db.dialect === 'postgres') q = q.forUpdate().skipLocked();
      const rows = await q.execute();
      if (rows.length) {
        await trx
          .updateTable('webhook_deliveries')
          .set({ next_attempt_at: now + 30_000 })
          .where(
            'id',
            'in',
            rows.map((r) => r.id),
          )
          .execute();
      }
      return rows;
    });
    await Promise.all(
      claimed.map((d) =>
        deliver(d).catch((err: unknown) => log.error({ err, delivery: d.id }, 'webhook delivery failed')),
      ),
    );
    return claimed.length;
  }

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;

  return {
    async create(
      ctx: OperationContext,
      input: { url: string; events: WebhookEvent[]; description?: string | null },
    ) {
      const now = clock();
      const id = newId('whk', now);
      const secret = generateWebhookSecret();
      const row = {
        id,
        workspace_id: ctx.workspaceId,
        url: input.url,
        events: JSON.stringify([...new Set(input.events)]),
        secret_sealed: vault.seal(secret, aadFor(id, 'webhook_secret')),
        description: input.description ?? null,
        created_at: now,
        disabled_at: null,
      };
      await k.insertInto('webhooks').values(row).execute();
      await deps.audit.recordFor(ctx, 'webhook.created', { type: 'webhook', id }, 'ok', {
        url: input.url,
        events: input.events,
      });
      return { ...present(row), secret };
    },
    async list(workspaceId: string): Promise<WebhookView[]> {
      const rows = await k
        .selectFrom('webhooks')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('disabled_at', 'is', null)
        .orderBy('id')
        .execute();
      return rows.map(present);
    },
    async get(workspaceId: string, id: string): Promise<WebhookView> {
      const row = await k
        .selectFrom('webhooks')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', id)
        .where('disabled_at', 'is', null)
        .executeTakeFirst();
      if (!row) throw notFound('webhook');
      return present(row);
    },
    async remove(ctx: OperationContext, id: string): Promise<void> {
      const res = await k
        .deleteFrom('webhooks')
        .where('workspace_id', '=', ctx.workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(res.numDeletedRows) !== 1) throw notFound('webhook');
      await deps.audit.recordFor(ctx, 'webhook.deleted', { type: 'webhook', id });
    },
    async deliveries(workspaceId: string, webhookId: string, limit: number): Promise<DeliveryView[]> {
      await this.get(workspaceId, webhookId);
      const rows = await k
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('webhook_id', '=', webhookId)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        eventType: r.event_type,
        eventId: r.event_id,
        status: r.status as DeliveryView['status'],
        attempts: r.attempts,
        lastStatusCode: r.last_status_code,
        lastError: r.last_error,
        nextAttemptAt: iso(r.next_attempt_at === null ? null : Math.round(r.next_attempt_at)),
        createdAt: iso(r.created_at)!,
        deliveredAt: iso(r.delivered_at),
        payload: JSON.parse(r.payload) as unknown,
      }));
    },
    deliverDue,
    /** Deliver in the background every `intervalMs`. */
    start(intervalMs = 1_000) {
      const loop = () => {
        timer = setTimeout(() => {
          running = deliverDue()
            .catch((err: unknown) =>
              log.warn({ err: { message: (err as Error).message } }, 'webhook worker pass failed'),
            )
            .finally(() => {
              running = null;
              if (timer) loop();
            });
        }, intervalMs);
        timer.unref?.();
      };
      loop();
    },
    async stop() {
      unsubscribe();
      if (timer) clearTimeout(timer);
      timer = null;
      if (running) await running;
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;

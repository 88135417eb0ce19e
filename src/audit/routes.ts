import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../auth/plugin.js';
import { ErrorResponse, PageQuery } from '../http/schemas.js';
import type { AuditService } from './service.js';

const AuditEventView = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({ type: z.enum(['api_key', 'user', 'system']), id: z.string().nullable() }),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  outcome: z.string(),
  detail: z.record(z.string(), z.unknown()).nullable(),
  requestId: z.string().nullable(),
});

/** A text filter; control characters never match anything stored (and PostgreSQL refuses NUL). */
const filter = (max: number) =>
  z
    .string()
    .max(max)
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

const AuditQuery = z.strictObject({
  action: filter(100).optional(),
  targetId: filter(64).optional(),
  credentialId: filter(64).optional(),
  actorId: filter(64).optional(),
  outcome: z.enum(['ok', 'error']).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  ...PageQuery,
});

export const auditRoutes: FastifyPluginAsync<{ audit: AuditService }> = async (app, { audit }) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/audit',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary: 'The audit log, newest first',
        querystring: AuditQuery,
        response: {
          200: z.object({ items: z.array(AuditEventView), nextCursor: z.string().nullable() }),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (req) => {
      const q = req.query;
      return audit.list(principalOf(req).workspaceId, {
        action: q.action,
        targetId: q.targetId ?? q.credentialId,
        actorId: q.actorId,
        outcome: q.outcome,
        since: q.since ? Date.parse(q.since) : undefined,
        until: q.until ? Date.parse(q.until) : undefined,
        cursor: q.cursor,
        limit: q.limit,
      });
    },
  );
};

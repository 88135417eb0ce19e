import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { principalOf } from '../auth/plugin.js';
import { ErrorResponse } from '../http/schemas.js';
import { AuditPage, AuditQuery } from './schemas.js';
import type { AuditService } from './service.js';

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
          200: AuditPage,
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

import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../auth/plugin.js';
import { operationContext } from '../auth/principal.js';
import { ErrorResponse, IdParams } from '../http/schemas.js';
import { CreatedWebhook, CreateWebhook, DeliveryView, WebhookView } from './schemas.js';
import type { WebhookService } from './service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const tags = ['webhooks'];

export const webhookRoutes: FastifyPluginAsync<{ webhooks: WebhookService }> = async (app, { webhooks }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const config = { permission: 'webhooks:manage' as const };

  r.post(
    '/api/v1/webhooks',
    {
      config,
      schema: {
        tags,
        summary: 'Subscribe a URL to credential events; the signing secret is shown once',
        body: CreateWebhook,
        response: { 201: CreatedWebhook, ...errors },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await webhooks.create(operationContext(principalOf(req), req.id), req.body)),
  );
  r.get(
    '/api/v1/webhooks',
    {
      config,
      schema: {
        tags,
        summary: 'Webhook subscriptions',
        response: { 200: z.object({ items: z.array(WebhookView) }), ...errors },
      },
    },
    async (req) => ({
      items: await webhooks.list(principalOf(req).workspaceId),
    }),
  );
  r.get(
    '/api/v1/webhooks/:id',
    {
      config,
      schema: {
        tags,
        summary: 'One subscription',
        params: IdParams,
        response: { 200: WebhookView, ...errors },
      },
    },
    async (req) => webhooks.get(principalOf(req).workspaceId, req.params.id),
  );
  r.delete(
    '/api/v1/webhooks/:id',
    {
      config,
      schema: { tags, summary: 'Unsubscribe', params: IdParams, response: { 204: z.null(), ...errors } },
    },
    async (req, reply) => {
      await webhooks.remove(operationContext(principalOf(req), req.id), req.params.id);
      return reply.code(204).send(null);
    },
  );
  r.get(
    '/api/v1/webhooks/:id/deliveries',
    {
      config,
      schema: {
        tags,
        summary: 'Recent deliveries, newest first',
        params: IdParams,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.object({ items: z.array(DeliveryView) }), ...errors },
      },
    },
    async (req) => ({
      items: await webhooks.deliveries(principalOf(req).workspaceId, req.params.id, req.query.limit),
    }),
  );
};

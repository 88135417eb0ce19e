import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../auth/plugin.js';
import { operationContext } from '../auth/principal.js';
import { ErrorResponse, IdParams, longText } from '../http/schemas.js';
import { WEBHOOK_EVENTS, type WebhookService } from './service.js';

const WebhookView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  description: z.string().nullable(),
  createdAt: z.string(),
});
const CreateWebhook = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2000),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length),
  description: longText(500).nullish(),
});
const DeliveryView = z.object({
  id: z.string(),
  eventType: z.string(),
  eventId: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  payload: z.unknown(),
});
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
        response: { 201: WebhookView.extend({ secret: z.string() }), ...errors },
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

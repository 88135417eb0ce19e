/** The webhooks' contract (zod only, so the web UI can import its types). */
import { z } from 'zod';
import { longText } from '../http/schemas.js';

export const WEBHOOK_EVENTS = [
  'credential.authorized',
  'credential.refreshed',
  'credential.refresh_failed',
  'credential.reauthorization_required',
  'credential.revoked',
  'credential.deleted',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WebhookView = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  description: z.string().nullable(),
  createdAt: z.string(),
});
export const CreateWebhook = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2000),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length),
  description: longText(500).nullish(),
});
export const DeliveryView = z.object({
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
export const CreatedWebhook = WebhookView.extend({ secret: z.string() });
export type WebhookView = z.infer<typeof WebhookView>;
export type CreatedWebhook = z.infer<typeof CreatedWebhook>;
export type WebhookInput = z.input<typeof CreateWebhook>;
export type DeliveryView = z.infer<typeof DeliveryView>;

export { createWebhookService, type WebhookService, WEBHOOK_EVENTS, RETRY_SCHEDULE_S } from './service.js';
export { webhookRoutes } from './routes.js';
export { sign as signWebhook, verify as verifyWebhook, generateWebhookSecret } from './signature.js';

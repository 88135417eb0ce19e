export { createAuditService, type AuditService, type AuditEvent, type AuditInput } from './service.js';
export { auditRoutes } from './routes.js';

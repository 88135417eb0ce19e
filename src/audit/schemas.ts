/** The audit log's contract (zod only, so the web UI can import its types). */
import { z } from 'zod';
import { PageQuery } from '../http/schemas.js';

export const AuditEventView = z.object({
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

export const AuditQuery = z.strictObject({
  action: filter(100).optional(),
  targetId: filter(64).optional(),
  credentialId: filter(64).optional(),
  actorId: filter(64).optional(),
  outcome: z.enum(['ok', 'error']).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  ...PageQuery,
});

export const AuditPage = z.object({ items: z.array(AuditEventView), nextCursor: z.string().nullable() });
export type AuditEventView = z.infer<typeof AuditEventView>;
/** The query as a client sends it: every filter optional. */
export type AuditQuery = Partial<z.output<typeof AuditQuery>>;
export type AuditPage = z.infer<typeof AuditPage>;

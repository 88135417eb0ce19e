/** The credential contract of DESIGN §4–5: request bodies, query, and the response allow-list. */
import { z } from 'zod';
import { lineText, longText, PageQuery, secretText } from '../http/schemas.js';
import { STATUSES } from './status.js';

const connectorId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'not a connector id');
const scope = z
  .string()
  .trim()
  .max(2000, 'must be at most 2000 characters')
  // eslint-disable-next-line no-control-regex
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters')
  .describe('Requested scopes, separated by spaces or commas; empty or omitted means the connector defaults');

export const CreateCredentialBody = z.strictObject({
  connector: connectorId,
  name: lineText(200),
  description: longText(2000).nullish(),
  clientId: secretText(512),
  clientSecret: secretText(4096).describe('Write-only: stored sealed, never returned'),
  scope: scope.nullish(),
});
export type CreateCredentialInput = z.infer<typeof CreateCredentialBody>;

export const UpdateCredentialBody = z
  .strictObject({
    name: lineText(200),
    description: longText(2000).nullable(),
    clientId: secretText(512),
    clientSecret: secretText(4096).describe('Write-only: replaces the stored secret'),
    scope: scope.nullable(),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');
export type UpdateCredentialInput = z.infer<typeof UpdateCredentialBody>;

export const ListCredentialsQuery = z.strictObject({
  connector: connectorId.optional(),
  status: z.enum(STATUSES).optional(),
  ...PageQuery,
});

export const CredentialView = z.object({
  id: z.string(),
  connector: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  clientId: z.string(),
  clientSecretSet: z.boolean(),
  scope: z.string().nullable(),
  grantedScope: z.string().nullable(),
  status: z.enum(STATUSES),
  accessTokenExpiresAt: z.string().nullable(),
  lastRefreshedAt: z.string().nullable(),
  lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).nullable(),
  lastTest: z.object({ ok: z.boolean(), status: z.number().nullable(), at: z.string() }).nullable(),
  redirectUri: z.string(),
  usedBy: z.array(z.object({ id: z.string(), kind: z.enum(['source', 'destination']), name: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CredentialView = z.infer<typeof CredentialView>;

export const CredentialList = z.object({ items: z.array(CredentialView), nextCursor: z.string().nullable() });

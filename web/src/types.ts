/**
 * API shapes. Credentials, connectors, the session, members, workspaces and API keys come from the server's
 * zod schemas (one contract, never a second copy), as do the sources, destinations and runs, the audit log
 * and the webhooks.
 */
import type { z } from 'zod';
import type { Connector, Resource } from '../../src/connectors/schema.js';
import type { CredentialView } from '../../src/credentials/schemas.js';
import type { CredentialStatus } from '../../src/credentials/status.js';
import type {
  AddMemberBody,
  ApiKeyView,
  ChangePasswordBody,
  CreateApiKeyBody,
  CreatedApiKey as CreatedApiKeySchema,
  CreateUserBody,
  CreateWorkspaceBody,
  MemberView,
  SessionView,
  WorkspaceView,
} from '../../src/auth/schemas.js';
import type { Permission, Role } from '../../src/auth/permissions.js';

export type {
  ApiKeyView,
  Connector,
  CredentialStatus,
  CredentialView,
  MemberView,
  Permission,
  Resource,
  Role,
  SessionView,
  WorkspaceView,
};

/** `POST /api/v1/api-keys`: the view and, this once, the key itself. */
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;
export type ApiKeyInput = z.input<typeof CreateApiKeyBody>;
export type NewUserInput = z.input<typeof CreateUserBody>;
export type AddMemberInput = z.input<typeof AddMemberBody>;
export type ChangePasswordInput = z.input<typeof ChangePasswordBody>;
export type WorkspaceInput = z.input<typeof CreateWorkspaceBody>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type { DataKind, DataView, RunStatus, RunView } from '../../src/sources/schemas.js';

/** One page of the audit log, newest first. */
export type { AuditEventView, AuditPage, AuditQuery } from '../../src/audit/schemas.js';
/** `CreatedWebhook` is the subscription as created: with its signing secret, shown this once. */
export type {
  CreatedWebhook,
  DeliveryView,
  WebhookEvent,
  WebhookInput,
  WebhookView,
} from '../../src/webhooks/schemas.js';

/** What the OAuth popup tells its opener (DESIGN §7; `/oauth/complete`). */
export type OAuthResult = 'authorized' | 'denied' | 'error';

export interface OAuthMessage {
  type: 'latchkey:oauth';
  result: OAuthResult;
  credentialId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

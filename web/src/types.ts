/**
 * API shapes. Credentials, connectors and the session come from the server's zod schemas (one contract,
 * never a second copy), as do the sources, destinations and runs.
 */
import type { Connector, Resource } from '../../src/connectors/schema.js';
import type { CredentialView } from '../../src/credentials/schemas.js';
import type { CredentialStatus } from '../../src/credentials/status.js';
import type { SessionView } from '../../src/auth/schemas.js';
import type { Role } from '../../src/auth/permissions.js';

export type { Connector, CredentialStatus, CredentialView, Resource, Role, SessionView };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type { DataKind, DataView, RunStatus, RunView } from '../../src/sources/schemas.js';

/** What the OAuth popup tells its opener (DESIGN §7; `/oauth/complete`). */
export type OAuthResult = 'authorized' | 'denied' | 'error';

export interface OAuthMessage {
  type: 'latchkey:oauth';
  result: OAuthResult;
  credentialId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/**
 * API shapes. Credentials, connectors and the session come from the server's zod schemas (one contract,
 * never a second copy); the sources shapes are written here until the server exports them from a zod-only
 * module the browser build can import.
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

export type DataKind = 'source' | 'destination';

/** A data source or destination: a connector resource read (or written) with one credential. */
export interface DataView {
  id: string;
  name: string;
  connector: string;
  credentialId: string;
  resource: string;
  params: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RunView {
  id: string;
  status: RunStatus;
  records: number;
  pages: number;
  failed: number;
  total: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | string | null;
}

/** What the OAuth popup tells its opener (DESIGN §7; `/oauth/complete`). */
export type OAuthResult = 'authorized' | 'denied' | 'error';

export interface OAuthMessage {
  type: 'latchkey:oauth';
  result: OAuthResult;
  credentialId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

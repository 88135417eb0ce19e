import { iso } from '../http/schemas.js';
import type { CredentialRow, UsedBy } from './repository.js';
import type { CredentialView } from './schemas.js';
import type { CredentialStatus } from './status.js';

/** The fields of a credential that leave the server: an allow-list. Sealed columns never appear. */
export function presentCredential(row: CredentialRow, usedBy: UsedBy[], redirectUri: string): CredentialView {
  return {
    id: row.id,
    connector: row.connector,
    name: row.name,
    description: row.description,
    clientId: row.client_id,
    clientSecretSet: row.client_secret_sealed.length > 0,
    scope: row.scope,
    grantedScope: row.granted_scope,
    status: row.status as CredentialStatus,
    accessTokenExpiresAt: iso(row.access_token_expires_at),
    lastRefreshedAt: iso(row.last_refreshed_at),
    lastError:
      row.last_error_code && row.last_error_at !== null
        ? { code: row.last_error_code, message: row.last_error_message ?? '', at: iso(row.last_error_at)! }
        : null,
    lastTest:
      row.last_test_at !== null
        ? { ok: row.last_test_ok === 1, status: row.last_test_status, at: iso(row.last_test_at)! }
        : null,
    redirectUri,
    usedBy,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

/**
 * Table types for Kysely. Times are epoch milliseconds (INTEGER / BIGINT); JSON is TEXT.
 * Secrets are only ever stored sealed (`*_sealed` columns hold vault output).
 */

export interface WorkspacesTable {
  id: string;
  name: string;
  created_at: number;
}

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  created_at: number;
  updated_at: number;
}

export interface MembershipsTable {
  workspace_id: string;
  user_id: string;
  role: string;
  created_at: number;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  workspace_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

export interface ApiKeysTable {
  id: string;
  workspace_id: string;
  name: string;
  role: string;
  key_hash: string;
  last_four: string;
  created_by: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface CredentialsTable {
  id: string;
  workspace_id: string;
  connector: string;
  name: string;
  description: string | null;
  client_id: string;
  client_secret_sealed: string;
  scope: string | null;
  status: string;
  access_token_sealed: string | null;
  refresh_token_sealed: string | null;
  token_type: string | null;
  granted_scope: string | null;
  access_token_expires_at: number | null;
  access_token_issued_at: number | null;
  refresh_due_at: number | null;
  last_refreshed_at: number | null;
  last_used_at: number | null;
  last_error_code: string | null;
  last_error_message: string | null;
  last_error_at: number | null;
  last_test_ok: number | null;
  last_test_status: number | null;
  last_test_at: number | null;
  /** Incremented on every change of the token set; writes check the version they read. */
  token_version: number;
  refresh_failures: number;
  next_refresh_attempt_at: number | null;
  lease_owner: string | null;
  lease_until: number | null;
  lease_fence: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface OAuthStatesTable {
  state_hash: string;
  workspace_id: string;
  credential_id: string;
  session_hash: string | null;
  code_verifier_sealed: string | null;
  redirect_uri: string;
  requested_scope: string | null;
  return_to: string | null;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface AuditEventsTable {
  id: string;
  workspace_id: string;
  at: number;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
  detail: string | null;
  request_id: string | null;
}

export interface SourcesTable {
  id: string;
  workspace_id: string;
  kind: string;
  name: string;
  connector: string;
  credential_id: string;
  resource: string;
  params: string;
  created_at: number;
  updated_at: number;
}

export interface RunsTable {
  id: string;
  workspace_id: string;
  source_id: string;
  kind: string;
  status: string;
  records: number;
  pages: number;
  failed: number;
  total: number | null;
  error_code: string | null;
  error_message: string | null;
  file_path: string | null;
  cancel_requested: number;
  owner: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
}

export interface WebhooksTable {
  id: string;
  workspace_id: string;
  url: string;
  events: string;
  secret_sealed: string;
  description: string | null;
  created_at: number;
  disabled_at: number | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  workspace_id: string;
  event_type: string;
  event_id: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface ThrottlesTable {
  key: string;
  count: number;
  window_start: number;
  blocked_until: number | null;
}

export interface Database {
  workspaces: WorkspacesTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  credentials: CredentialsTable;
  oauth_states: OAuthStatesTable;
  audit_events: AuditEventsTable;
  sources: SourcesTable;
  runs: RunsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  throttles: ThrottlesTable;
}

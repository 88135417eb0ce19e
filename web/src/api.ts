/**
 * The one fetch wrapper of the UI: JSON in and out, the CSRF header on every state-changing request,
 * `{"error":{"code","message"}}` turned into an `ApiError`, and a 401 sent to the sign-in page.
 */
import type {
  AddMemberInput,
  ApiKeyInput,
  ApiKeyView,
  AuditPage,
  AuditQuery,
  ChangePasswordInput,
  Connector,
  CreatedApiKey,
  CreatedWebhook,
  CredentialView,
  DataKind,
  DataView,
  DeliveryView,
  MemberView,
  NewUserInput,
  Page,
  Role,
  RunView,
  SessionView,
  WebhookInput,
  WebhookView,
  WorkspaceInput,
  WorkspaceView,
} from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when an authenticated request answers 401 (the session ended). */
export function setUnauthorizedHandler(fn: (() => void) | null): void {
  onUnauthorized = fn;
}

interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, with its content type (JSON Lines for destination runs). */
  raw?: { body: string; contentType: string };
  /** Do not treat 401 as "session ended" (sign-in and who-am-I answer 401 as a normal outcome). */
  expect401?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.raw) headers['content-type'] = opts.raw.contentType;
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: opts.raw ? opts.raw.body : opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(
      0,
      'network_error',
      'Latchkey could not be reached: check that the server is running.',
    );
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const error = (data as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const code = typeof error?.code === 'string' ? error.code : `http_${res.status}`;
    const message =
      typeof error?.message === 'string'
        ? error.message
        : `the server answered ${res.status} ${res.statusText}`;
    if (res.status === 401 && !opts.expect401) onUnauthorized?.();
    throw new ApiError(res.status, code, message);
  }
  return data as T;
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface CredentialInput {
  connector: string;
  name: string;
  description?: string | null;
  clientId: string;
  clientSecret: string;
  scope?: string | null;
}

export type CredentialPatch = Partial<Omit<CredentialInput, 'connector'>>;

const collection = (kind: DataKind) => (kind === 'source' ? '/api/v1/sources' : '/api/v1/destinations');

/** Typed calls, one per endpoint the UI uses. */
export const api = {
  setupStatus: () => request<{ needsSetup: boolean }>('GET', '/api/v1/setup', { expect401: true }),
  setup: (email: string, password: string) =>
    request<SessionView>('POST', '/api/v1/setup', { body: { email, password }, expect401: true }),
  session: () => request<SessionView>('GET', '/api/v1/session', { expect401: true }),
  signIn: (email: string, password: string) =>
    request<SessionView>('POST', '/api/v1/session', { body: { email, password }, expect401: true }),
  signOut: () => request<void>('DELETE', '/api/v1/session', { expect401: true }),

  connectors: () => request<{ items: Connector[] }>('GET', '/api/v1/connectors'),
  connector: (id: string) => request<Connector>('GET', `/api/v1/connectors/${enc(id)}`),

  credentials: (filter: { connector?: string; limit?: number } = {}) =>
    request<Page<CredentialView>>('GET', `/api/v1/credentials${query({ limit: 200, ...filter })}`),
  credential: (id: string) => request<CredentialView>('GET', `/api/v1/credentials/${enc(id)}`),
  createCredential: (body: CredentialInput) =>
    request<CredentialView>('POST', '/api/v1/credentials', { body }),
  updateCredential: (id: string, body: CredentialPatch) =>
    request<CredentialView>('PATCH', `/api/v1/credentials/${enc(id)}`, { body }),
  deleteCredential: (id: string) => request<void>('DELETE', `/api/v1/credentials/${enc(id)}`),
  authorize: (id: string, returnTo: string) =>
    request<{ authorizationUrl: string }>('POST', `/api/v1/credentials/${enc(id)}/authorize`, {
      body: { returnTo },
    }),
  revoke: (id: string) => request<unknown>('POST', `/api/v1/credentials/${enc(id)}/revoke`, { body: {} }),
  refresh: (id: string) => request<unknown>('POST', `/api/v1/credentials/${enc(id)}/refresh`, { body: {} }),
  test: (id: string) => request<unknown>('POST', `/api/v1/credentials/${enc(id)}/test`, { body: {} }),

  dataList: (kind: DataKind) => request<Page<DataView>>('GET', `${collection(kind)}${query({ limit: 200 })}`),
  data: (kind: DataKind, id: string) => request<DataView>('GET', `${collection(kind)}/${enc(id)}`),
  createData: (
    kind: DataKind,
    body: { name: string; connector: string; credentialId: string; resource: string; params?: object },
  ) => request<DataView>('POST', collection(kind), { body }),
  updateData: (kind: DataKind, id: string, body: { name: string }) =>
    request<DataView>('PATCH', `${collection(kind)}/${enc(id)}`, { body }),
  deleteData: (kind: DataKind, id: string) => request<void>('DELETE', `${collection(kind)}/${enc(id)}`),
  preview: (kind: DataKind, id: string, limit = 20) =>
    request<{ records: Record<string, unknown>[] }>('POST', `${collection(kind)}/${enc(id)}/preview`, {
      body: { limit },
    }),
  runs: (kind: DataKind, id: string) =>
    request<Page<RunView>>('GET', `${collection(kind)}/${enc(id)}/runs${query({ limit: 20 })}`),
  run: (kind: DataKind, id: string, runId: string) =>
    request<RunView>('GET', `${collection(kind)}/${enc(id)}/runs/${enc(runId)}`),
  runRecordsUrl: (kind: DataKind, id: string, runId: string) =>
    `${collection(kind)}/${enc(id)}/runs/${enc(runId)}/records`,

  changePassword: (body: ChangePasswordInput) => request<void>('POST', '/api/v1/session/password', { body }),
  switchWorkspace: (workspaceId: string) =>
    request<SessionView>('POST', '/api/v1/session/workspace', { body: { workspaceId } }),
  workspaces: () => request<{ items: WorkspaceView[] }>('GET', '/api/v1/workspaces'),
  createWorkspace: (body: WorkspaceInput) => request<WorkspaceView>('POST', '/api/v1/workspaces', { body }),

  /** The members of the current workspace (admins only). */
  members: () => request<{ items: MemberView[] }>('GET', '/api/v1/users'),
  /** A new account, member of the current workspace. */
  createUser: (body: NewUserInput) => request<MemberView>('POST', '/api/v1/users', { body }),
  /** An existing account, added to a workspace. */
  addMember: (workspaceId: string, body: AddMemberInput) =>
    request<MemberView>('POST', `/api/v1/workspaces/${enc(workspaceId)}/members`, { body }),
  changeRole: (userId: string, role: Role) =>
    request<MemberView>('PATCH', `/api/v1/users/${enc(userId)}`, { body: { role } }),
  removeMember: (userId: string) => request<void>('DELETE', `/api/v1/users/${enc(userId)}`),

  apiKeys: () => request<{ items: ApiKeyView[] }>('GET', '/api/v1/api-keys'),
  createApiKey: (body: ApiKeyInput) => request<CreatedApiKey>('POST', '/api/v1/api-keys', { body }),
  revokeApiKey: (id: string) => request<void>('DELETE', `/api/v1/api-keys/${enc(id)}`),

  audit: (filter: AuditQuery) => request<AuditPage>('GET', `/api/v1/audit${query(filter)}`),

  webhooks: () => request<{ items: WebhookView[] }>('GET', '/api/v1/webhooks'),
  createWebhook: (body: WebhookInput) => request<CreatedWebhook>('POST', '/api/v1/webhooks', { body }),
  deleteWebhook: (id: string) => request<void>('DELETE', `/api/v1/webhooks/${enc(id)}`),
  deliveries: (id: string, limit = 20) =>
    request<{ items: DeliveryView[] }>('GET', `/api/v1/webhooks/${enc(id)}/deliveries${query({ limit })}`),
};

/** Start a run: a source pulls; a destination pushes the JSON Lines body it is given. */
export function startRun(kind: DataKind, id: string, jsonLines = ''): Promise<RunView> {
  const path = `${collection(kind)}/${enc(id)}/runs`;
  if (kind === 'source') return request<RunView>('POST', path, { body: {} });
  return request<RunView>('POST', path, { raw: { body: jsonLines, contentType: 'application/x-ndjson' } });
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** True when the server has no such route yet (an API that arrives with a later release). */
export function isMissingRoute(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'route_not_found';
}

/**
 * Client registration (RFC 7591 §2, §3.2), shared by `POST /register` and the Developer > API Settings page.
 * Unknown metadata is ignored (§2); the sandbox extensions `client_secret` and `access_token_ttl_s` are
 * documented in index.ts.
 */
import { z } from 'zod';
import {
  CLIENT_AUTH_METHODS,
  formatScope,
  GRANT_TYPES,
  parseScope,
  randomToken,
  digest,
  redirectUriProblem,
  SCOPES,
} from './protocol.js';
import type { ClientRecord } from './store.js';

const MetadataSchema = z.looseObject({
  redirect_uris: z.array(z.string()).min(1, 'must list at least one URI').max(20),
  client_name: z.string().trim().min(1).max(200).optional(),
  token_endpoint_auth_method: z.enum(CLIENT_AUTH_METHODS).default('client_secret_post'),
  grant_types: z
    .array(z.enum(GRANT_TYPES))
    .min(1)
    .default([...GRANT_TYPES])
    .refine((g) => g.includes('authorization_code'), 'must include authorization_code'),
  response_types: z.array(z.literal('code')).min(1).optional(),
  scope: z.string().optional(),
  client_secret: z
    .string()
    .regex(/^[\x20-\x7E]{1,256}$/, 'must be 1–256 printable ASCII characters')
    .optional(),
  access_token_ttl_s: z.number().int().min(1).max(86_400).optional(),
});

export type RegistrationError = {
  error: 'invalid_redirect_uri' | 'invalid_client_metadata';
  description: string;
};

export type RegistrationResult =
  { ok: true; client: ClientRecord; secret: string } | ({ ok: false } & RegistrationError);

/** Validate client metadata and build the client record (not yet stored). */
export function buildClient(input: unknown, now: number): RegistrationResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, error: 'invalid_client_metadata', description: 'the body must be a JSON object' };
  }
  const parsed = MetadataSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    const error = field.startsWith('redirect_uris') ? 'invalid_redirect_uri' : 'invalid_client_metadata';
    return { ok: false, error, description: `${field || 'body'}: ${issue.message}` };
  }
  const meta = parsed.data;
  for (const uri of meta.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem)
      return { ok: false, error: 'invalid_redirect_uri', description: `redirect URI ${uri} ${problem}` };
  }
  let scope: string[] = [...SCOPES];
  if (meta.scope !== undefined) {
    const requested = parseScope(meta.scope);
    const unknown = requested?.filter((s) => !(SCOPES as readonly string[]).includes(s)) ?? [];
    if (!requested || unknown.length) {
      return {
        ok: false,
        error: 'invalid_client_metadata',
        description: `scope: unknown scope ${unknown.join(' ') || meta.scope}`,
      };
    }
    scope = requested;
  }
  const secret = meta.client_secret ?? randomToken();
  const client: ClientRecord = {
    clientId: `sbx-${randomToken(12)}`,
    secretDigest: digest(secret),
    name: meta.client_name ?? 'Unnamed application',
    redirectUris: [...new Set(meta.redirect_uris)],
    tokenEndpointAuthMethod: meta.token_endpoint_auth_method,
    grantTypes: [...new Set(meta.grant_types)],
    scope,
    issuedAt: now,
  };
  if (meta.access_token_ttl_s !== undefined) client.accessTokenTtlS = meta.access_token_ttl_s;
  return { ok: true, client, secret };
}

/** RFC 7591 §3.2.1: the registration response, the only place the secret is ever shown. */
export function presentRegistration(client: ClientRecord, secret: string) {
  return {
    client_id: client.clientId,
    client_secret: secret,
    client_id_issued_at: Math.floor(client.issuedAt / 1000),
    client_secret_expires_at: 0,
    client_name: client.name,
    redirect_uris: client.redirectUris,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    grant_types: client.grantTypes,
    response_types: ['code'],
    scope: formatScope(client.scope),
    ...(client.accessTokenTtlS === undefined ? {} : { access_token_ttl_s: client.accessTokenTtlS }),
  };
}

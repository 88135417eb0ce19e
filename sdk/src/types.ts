/**
 * The SDK's data types, read off the generated OpenAPI `paths` (schema.d.ts) — never a hand-kept copy. When the
 * server's route schemas change, `npm run sdk:generate` changes these with them.
 */
import type { paths } from './schema.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The JSON body of the `status` response of `method path`. */
export type ResponseBody<
  P extends keyof paths,
  M extends Method & keyof paths[P],
  S extends number,
> = paths[P][M] extends { responses: { [K in S]: { content: { 'application/json': infer T } } } } ? T : never;

/** The JSON request body of `method path`. */
export type RequestBody<P extends keyof paths, M extends Method & keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer T } };
}
  ? T
  : never;

/** The query parameters of `method path`. */
export type Query<P extends keyof paths, M extends Method & keyof paths[P]> = paths[P][M] extends {
  parameters: { query?: infer Q };
}
  ? NonNullable<Q>
  : never;

/** A credential as the API shows it (the client secret is write-only: only `clientSecretSet`). */
export type Credential = ResponseBody<'/api/v1/credentials/{id}', 'get', 200>;
export type CredentialStatus = Credential['status'];
/** One page of credentials; `nextCursor` is the `cursor` of the next page, null on the last. */
export type CredentialPage = ResponseBody<'/api/v1/credentials', 'get', 200>;
export type ListCredentialsQuery = Query<'/api/v1/credentials', 'get'>;
export type CreateCredentialInput = RequestBody<'/api/v1/credentials', 'post'>;
export type UpdateCredentialInput = RequestBody<'/api/v1/credentials/{id}', 'patch'>;
/** `GET /api/v1/credentials/{id}/token`: a valid access token, refreshed first by the server if needed. */
export type Token = ResponseBody<'/api/v1/credentials/{id}/token', 'get', 200>;
export type Authorization = ResponseBody<'/api/v1/credentials/{id}/authorize', 'post', 200>;
export type RevokeResult = ResponseBody<'/api/v1/credentials/{id}/revoke', 'post', 200>;
export type TestResult = ResponseBody<'/api/v1/credentials/{id}/test', 'post', 200>;
/** A source or destination. */
export type Source = ResponseBody<'/api/v1/sources/{id}', 'get', 200>;
export type CreateSourceInput = RequestBody<'/api/v1/sources', 'post'>;
/** A run of a source or destination: status, counts, error. */
export type Run = ResponseBody<'/api/v1/sources/{id}/runs/{runId}', 'get', 200>;
export type RunStatus = Run['status'];

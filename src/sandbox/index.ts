/**
 * The 2ememain sandbox (DESIGN §8): a small but faithful OAuth 2.0 authorization server and a
 * Marktplaats-style API, offline, so that a new user can try Latchkey without a real account and the
 * broker is tested against something that refuses what a real provider refuses. Labelled
 * "Sandbox — not the real 2ememain" on every page.
 *
 * Mounted at a prefix (Latchkey uses `/sandbox/2ememain`), it serves:
 * - `GET /developer/api-settings` — register an application by hand; the Client Secret is shown once.
 * - `POST /register` — dynamic client registration (RFC 7591 §3.1–3.2): `redirect_uris` (absolute http(s),
 *   no fragment), `client_name`, `token_endpoint_auth_method` (`client_secret_post`, the default, or
 *   `client_secret_basic` — the client must then use that method), `grant_types`, `scope`. Sandbox
 *   extensions: `client_secret` (choose the secret, e.g. one with reserved characters such as `a b/+:%&=c`)
 *   and `access_token_ttl_s` (1–86400: this client's access-token lifetime, e.g. 1 for expiry tests).
 * - `GET /oauth/authorize` — RFC 6749 §4.1.1 with PKCE S256 only (RFC 7636) and `iss` in the response
 *   (RFC 9207). A bad `client_id`/`redirect_uri` shows an error page and never redirects (§4.1.2.1). Then a
 *   sign-in page (**Email**, **Password**, **Sign in**; demo account `demo@sandbox.2ememain.test` / `demo`)
 *   and a consent page (**Authorize**, **Deny**); the pending request stays server-side, bound to the
 *   browser's sandbox session (an HttpOnly, SameSite=Lax cookie limited to the prefix).
 * - `POST /oauth/token` — form body only; client authentication by HTTP Basic (each part form-url-decoded,
 *   RFC 6749 §2.3.1) or by body, never both; grants `authorization_code` (single use; a replay revokes the
 *   tokens issued from the code, §4.1.2; `redirect_uri` and the PKCE verifier checked, §4.1.3, RFC 7636
 *   §4.6) and `refresh_token` (rotation: each refresh kills the old refresh token; presenting a rotated one
 *   revokes the whole grant, RFC 9700 §4.14.2; `scope` may only narrow, §6). Errors as in §5.2.
 * - `POST /oauth/revoke` — RFC 7009; a refresh token takes its whole grant with it.
 * - `GET /.well-known/oauth-authorization-server` — RFC 8414 metadata.
 * - `/api/v1` — `GET /me`, `GET|POST /advertisements`, `GET|PUT|DELETE /advertisements/:id` in HAL+JSON;
 *   406 unless `Accept` names `application/json`; 401 with `WWW-Authenticate: Bearer` (RFC 6750 §3) for a
 *   missing, unknown, expired or revoked token; 403 `insufficient_scope`. Scopes: `read` (ads), `write`
 *   (change ads), `profile` (`/me`, which `read` also opens); `read profile` when none is requested.
 * - `/_control/*` with `controls: true` — `GET stats`, `POST reset`, `GET|POST faults`,
 *   `POST expire-access-tokens`, for tests that drive the sandbox from another process.
 */
export { sandboxConnector, SANDBOX_CONNECTOR_ID } from './connector.js';
export type { SandboxFaults, SandboxFaultsInput, TokenFault } from './faults.js';
export { createSandbox, type Sandbox, type SandboxOptions } from './sandbox.js';
export { startSandboxServer, type SandboxServer, type SandboxServerOptions } from './server.js';
export type { Outcomes, SandboxStats } from './stats.js';

/**
 * `@latchkey/client` — a typed client of a Latchkey server (self-hosted OAuth credential broker):
 *
 * ```ts
 * import { createClient } from '@latchkey/client';
 * const latchkey = createClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.LATCHKEY_API_KEY });
 * const { accessToken } = await latchkey.getToken('cred_…');
 * const me = await (await latchkey.fetch('cred_…', '/me')).json();
 * ```
 *
 * The types come from the server's OpenAPI document (`npm run sdk:generate`); the calls are openapi-fetch's.
 */
export { createClient, DEFAULT_BASE_URL } from './client.js';
export type { CallOptions, ClientOptions, CredentialsApi, LatchkeyClient } from './client.js';
export { isLatchkeyError, LatchkeyError, LatchkeyRunError } from './errors.js';
export type { ClientErrorCode, KnownErrorCode, LatchkeyErrorCode } from './errors.js';
export { SERVER_ERROR_CODES } from './error-codes.js';
export type { ServerErrorCode, ServerErrors } from './error-codes.js';
export type { RunSourceOptions } from './runs.js';
export type { paths } from './schema.js';
export type * from './types.js';

/** The columns a new token set writes: sealed tokens, times, and the refresh schedule. */
import type { CredentialPatch } from '../credentials/repository.js';
import type { TokenSet } from '../oauth/token-endpoint.js';
import { aadFor, type Vault } from '../vault/index.js';
import { DEFAULT_EXPIRES_IN_S, refreshDueAt } from './schedule.js';

export interface TokenColumnsInput {
  credentialId: string;
  tokens: TokenSet;
  /** Scope granted: the response's, else the requested one (RFC 6749 §5.1), else the previous one. */
  fallbackScope: string | null;
  now: number;
  refreshAheadMs: number;
  /** A credential is refreshed at least this often, so its refresh token does not die of disuse. */
  keepaliveMs: number;
}

/**
 * Seal a token set into credential columns. A response without a refresh token leaves the stored one
 * (the patch omits the column), as a refresh that does not rotate must keep the old token.
 */
export function tokenColumns(vault: Vault, input: TokenColumnsInput): CredentialPatch {
  const { credentialId, tokens, now } = input;
  const expiresAt = now + (tokens.expiresIn ?? DEFAULT_EXPIRES_IN_S) * 1000;
  const patch: CredentialPatch = {
    access_token_sealed: vault.seal(tokens.accessToken, aadFor(credentialId, 'access_token')),
    token_type: tokens.tokenType,
    granted_scope: tokens.scope ?? input.fallbackScope,
    access_token_issued_at: now,
    access_token_expires_at: expiresAt,
    refresh_due_at: Math.min(refreshDueAt(now, expiresAt, input.refreshAheadMs), now + input.keepaliveMs),
    last_refreshed_at: now,
    last_error_code: null,
    last_error_message: null,
    last_error_at: null,
    refresh_failures: 0,
    next_refresh_attempt_at: null,
    updated_at: now,
  };
  if (tokens.refreshToken)
    patch.refresh_token_sealed = vault.seal(tokens.refreshToken, aadFor(credentialId, 'refresh_token'));
  return patch;
}

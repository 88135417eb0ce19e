/**
 * Revocation (RFC 7009): revoke the refresh token (and the access token) at the provider when the connector
 * has a revocation endpoint, then wipe the tokens and mark the credential `revoked`. The wipe bumps the
 * token version, so a refresh racing with it cannot write its tokens back, and every process's cache drops
 * the old token.
 */
import { sql } from 'kysely';
import type { AuditService } from '../audit/service.js';
import type { OperationContext } from '../auth/principal.js';
import type { Catalog } from '../connectors/index.js';
import type { CredentialRepository, CredentialRow } from '../credentials/repository.js';
import { nextStatus, type CredentialStatus } from '../credentials/status.js';
import type { Db } from '../db/index.js';
import { notFound } from '../http/errors.js';
import type { Logger } from '../logging/index.js';
import { revokeAtProvider } from '../oauth/index.js';
import type { Outbound } from '../outbound/index.js';
import { aadFor, type Vault } from '../vault/index.js';

export interface ProviderRevocation {
  outcome: 'revoked' | 'not_supported' | 'failed' | 'no_tokens';
  message: string;
}

export interface RevocationDeps {
  db: Db;
  vault: Vault;
  catalog: Catalog;
  repo: CredentialRepository;
  audit: AuditService;
  outbound: Outbound;
  log: Logger;
  providerTimeoutMs: number;
  invalidate: (credentialId: string) => void;
  clock?: () => number;
}

export function createRevocation(deps: RevocationDeps) {
  const { db, vault, catalog, repo, audit, log } = deps;
  const clock = deps.clock ?? Date.now;

  async function atProvider(row: CredentialRow, requestId: string | null): Promise<ProviderRevocation> {
    const tokens: { token: string; hint: 'refresh_token' | 'access_token' }[] = [];
    if (row.refresh_token_sealed)
      tokens.push({
        token: vault.open(row.refresh_token_sealed, aadFor(row.id, 'refresh_token')),
        hint: 'refresh_token',
      });
    if (row.access_token_sealed)
      tokens.push({
        token: vault.open(row.access_token_sealed, aadFor(row.id, 'access_token')),
        hint: 'access_token',
      });
    if (tokens.length === 0) return { outcome: 'no_tokens', message: 'the credential held no tokens' };
    const connector = catalog.get(row.connector);
    if (!connector?.auth.revocationUrl) {
      return {
        outcome: 'not_supported',
        message:
          'the connector has no revocation endpoint: tokens were wiped here; revoke the app’s access at the provider too',
      };
    }
    const clientSecret = vault.open(row.client_secret_sealed, aadFor(row.id, 'client_secret'));
    for (const t of tokens) {
      const res = await revokeAtProvider(
        { connector, clientId: row.client_id, clientSecret },
        t.token,
        t.hint,
        {
          outbound: deps.outbound,
          timeoutMs: deps.providerTimeoutMs,
          headers: requestId ? { 'x-request-id': requestId } : undefined,
        },
      );
      if (!res.ok) {
        const message = res.failure?.message ?? 'revocation failed';
        log.warn({ credentialId: row.id, code: res.failure?.code }, 'revocation at the provider failed');
        return {
          outcome: 'failed',
          message: `${message}: tokens were wiped here; revoke the app’s access at the provider too`,
        };
      }
    }
    return { outcome: 'revoked', message: 'revoked at the provider (RFC 7009) and wiped' };
  }

  return {
    /** POST …/revoke. */
    async revoke(ctx: OperationContext, credentialId: string): Promise<ProviderRevocation> {
      const row = await repo.find(ctx.workspaceId, credentialId);
      if (!row) throw notFound('credential');
      const provider = await atProvider(row, ctx.requestId);
      const now = clock();
      await db.kysely
        .updateTable('credentials')
        .set({
          status: nextStatus(row.status as CredentialStatus, 'revoked'),
          access_token_sealed: null,
          refresh_token_sealed: null,
          access_token_expires_at: null,
          access_token_issued_at: null,
          refresh_due_at: null,
          next_refresh_attempt_at: null,
          refresh_failures: 0,
          updated_at: now,
          token_version: sql<number>`token_version + 1`,
        })
        .where('id', '=', row.id)
        .where('workspace_id', '=', ctx.workspaceId)
        .execute();
      deps.invalidate(row.id);
      await audit.recordFor(
        ctx,
        'credential.revoked',
        { type: 'credential', id: row.id },
        provider.outcome === 'failed' ? 'error' : 'ok',
        {
          provider: provider.outcome,
        },
      );
      return provider;
    },

    /** Before delete: revoke at the provider, best effort (a failure does not stop the deletion). */
    async beforeDelete(ctx: OperationContext, row: CredentialRow): Promise<void> {
      try {
        const provider = await atProvider(row, ctx.requestId);
        if (provider.outcome !== 'no_tokens') {
          await audit.recordFor(
            ctx,
            'credential.revoked',
            { type: 'credential', id: row.id },
            provider.outcome === 'failed' ? 'error' : 'ok',
            {
              provider: provider.outcome,
              reason: 'deleted',
            },
          );
        }
      } catch (err) {
        log.warn(
          { credentialId: row.id, err: { message: (err as Error).message } },
          'best-effort revocation before delete failed',
        );
      }
      deps.invalidate(row.id);
    },
  };
}

export type Revocation = ReturnType<typeof createRevocation>;

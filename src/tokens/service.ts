/**
 * getToken and refresh (DESIGN §6). A valid access token is served from memory (after a cheap check
 * that its version and status are still current, so no process hands out a revoked token); an expiring
 * one is refreshed exactly once per expiry: one in-flight refresh per process (single-flight), one
 * lease holder per cluster (see lease.ts), and a holder re-reads and skips the provider call when another
 * process already refreshed. A rotated refresh token is committed before the new token is handed out.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { AuditService } from '../audit/service.js';
import type { OperationContext } from '../auth/principal.js';
import type { Catalog } from '../connectors/index.js';
import type { CredentialPatch, CredentialRepository, CredentialRow } from '../credentials/repository.js';
import { nextStatus, type CredentialStatus } from '../credentials/status.js';
import type { Db } from '../db/index.js';
import { AppError, notFound } from '../http/errors.js';
import type { Logger } from '../logging/index.js';
import { isTransient, refreshGrant, type ProviderFailure } from '../oauth/index.js';
import type { Outbound } from '../outbound/index.js';
import { aadFor, type Vault } from '../vault/index.js';
import { backoffMs, INVALID_CLIENT_COOLDOWN_MS } from './backoff.js';
import { createLeaseStore, type Lease } from './lease.js';
import { isFresh } from './schedule.js';
import { tokenColumns } from './store.js';
import { createCoherence } from './coherence.js';
import type { Metrics, RefreshOutcome } from '../metrics/index.js';

export interface TokenView {
  accessToken: string;
  tokenType: 'Bearer';
  expiresAt: string;
  scope: string | null;
}

export interface TokenServiceDeps {
  db: Db;
  vault: Vault;
  catalog: Catalog;
  repo: CredentialRepository;
  audit: AuditService;
  outbound: Outbound;
  log: Logger;
  refreshAheadMs: number;
  keepaliveMs: number;
  providerTimeoutMs: number;
  clock?: () => number;
  /** How often a waiter polls the database while another process holds the lease. */
  pollMs?: number;
  metrics?: Metrics;
}

interface CacheEntry {
  workspaceId: string;
  connector: string;
  version: number;
  accessToken: string;
  scope: string | null;
  issuedAt: number;
  expiresAt: number;
}

/** Refresh failures that mean the refresh token is dead: the user must authorize again. */
const REJECTED = new Set(['invalid_grant', 'unauthorized_client']);

export function createTokenService(deps: TokenServiceDeps) {
  const { db, vault, catalog, repo, audit, log } = deps;
  const clock = deps.clock ?? Date.now;
  const pollMs = deps.pollMs ?? 50;
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const leaseMs = deps.providerTimeoutMs + 5_000;
  const leases = createLeaseStore(db);
  const cache = new Map<string, CacheEntry>();
  const inflight = new Map<string, Promise<TokenView>>();
  const lastTouched = new Map<string, number>();
  const coherence = createCoherence(db, log, (id) => (id === null ? cache.clear() : cache.delete(id)));
  let providerCalls = 0;

  const sysCtx = (row: CredentialRow, requestId: string | null = null): OperationContext => ({
    workspaceId: row.workspace_id,
    actor: { type: 'system', id: 'token-service' },
    requestId,
  });

  function view(e: CacheEntry): TokenView {
    return {
      accessToken: e.accessToken,
      tokenType: 'Bearer',
      expiresAt: new Date(e.expiresAt).toISOString(),
      scope: e.scope,
    };
  }

  function entryFromRow(row: CredentialRow): CacheEntry | null {
    if (!row.access_token_sealed || row.access_token_expires_at === null) return null;
    return {
      workspaceId: row.workspace_id,
      connector: row.connector,
      version: row.token_version,
      accessToken: vault.open(row.access_token_sealed, aadFor(row.id, 'access_token')),
      scope: row.granted_scope,
      issuedAt: row.access_token_issued_at ?? row.access_token_expires_at - 3_600_000,
      expiresAt: row.access_token_expires_at,
    };
  }

  function remember(row: CredentialRow): CacheEntry | null {
    const e = entryFromRow(row);
    if (e) cache.set(row.id, e);
    else cache.delete(row.id);
    return e;
  }

  function notUsable(row: CredentialRow): AppError {
    const status = row.status as CredentialStatus;
    if (status === 'reauthorization_required') {
      return new AppError(
        'reauthorization_required',
        `credential needs to be authorized again${row.last_error_message ? ` (${row.last_error_code}: ${row.last_error_message})` : ''}`,
      );
    }
    return new AppError('credential_not_active', `credential is ${status}, not active`);
  }

  function failureError(f: ProviderFailure, retryAtMs: number | null): AppError {
    const headers: Record<string, string> = retryAtMs
      ? { 'retry-after': String(Math.max(1, Math.ceil((retryAtMs - clock()) / 1000))) }
      : {};
    if (f.kind === 'timeout')
      return new AppError('provider_timeout', `refresh failed: ${f.message}`, headers);
    if (f.kind === 'oauth_error')
      return new AppError('provider_error', `refresh failed: ${f.message}`, headers);
    return new AppError('provider_unavailable', `refresh failed: ${f.message}`, headers);
  }

  function touch(row: { id: string }, now: number): void {
    const last = lastTouched.get(row.id) ?? 0;
    if (now - last < 60_000) return;
    lastTouched.set(row.id, now);
    void db.kysely
      .updateTable('credentials')
      .set({ last_used_at: now })
      .where('id', '=', row.id)
      .execute()
      .catch(() => {});
  }

  /** Serve the still-valid old token after a failed refresh, or explain why not. */
  function oldTokenOr(row: CredentialRow, err: AppError, now: number): TokenView {
    if (
      row.access_token_sealed &&
      row.access_token_expires_at !== null &&
      row.access_token_expires_at > now + 1_000
    ) {
      const e = remember(row)!;
      return view(e);
    }
    throw err;
  }

  /** The refresh itself, by the lease holder. `observedVersion` is the version that looked stale. */
  async function refreshUnderLease(
    lease: Lease,
    observedVersion: number,
    requestId: string | null,
    keepInCache = true,
  ): Promise<TokenView> {
    const row = lease.row;
    const now = clock();
    const status = row.status as CredentialStatus;
    if (status !== 'active') {
      await leases.release(lease);
      throw notUsable(row);
    }
    // Re-read: another process refreshed since we looked.
    if (
      row.token_version !== observedVersion &&
      row.access_token_expires_at !== null &&
      row.access_token_issued_at !== null
    ) {
      if (isFresh(row.access_token_issued_at, row.access_token_expires_at, now)) {
        await leases.release(lease);
        return view(remember(row)!);
      }
    }
    const connector = catalog.get(row.connector);
    if (!connector) {
      await leases.release(lease);
      throw new AppError('conflict', `connector "${row.connector}" is no longer in the catalog`);
    }
    if (!row.refresh_token_sealed) {
      const ok = await leases.commit(
        lease,
        {
          status: nextStatus(status, 'tokens_lost'),
          last_error_code: 'no_refresh_token',
          last_error_message:
            'the provider gave no refresh token; authorize again when the access token expires',
          last_error_at: now,
          updated_at: now,
        },
        true,
      );
      if (ok)
        await audit.recordFor(
          sysCtx(row, requestId),
          'credential.reauthorization_required',
          { type: 'credential', id: row.id },
          'error',
          { code: 'no_refresh_token' },
        );
      cache.delete(row.id);
      throw new AppError('reauthorization_required', 'credential has no refresh token: authorize it again');
    }
    const clientSecret = vault.open(row.client_secret_sealed, aadFor(row.id, 'client_secret'));
    const refreshToken = vault.open(row.refresh_token_sealed, aadFor(row.id, 'refresh_token'));
    providerCalls++;
    const started = clock();
    const outcome = await refreshGrant({ connector, clientId: row.client_id, clientSecret }, refreshToken, {
      outbound: deps.outbound,
      timeoutMs: deps.providerTimeoutMs,
      headers: requestId ? { 'x-request-id': requestId } : undefined,
    });
    const done = clock();
    const target = { type: 'credential', id: row.id };
    const observe = (o: RefreshOutcome) => {
      deps.metrics?.refreshes.inc({ outcome: o });
      deps.metrics?.refreshSeconds.observe({ outcome: o }, (done - started) / 1000);
    };

    if (outcome.ok) {
      const patch: CredentialPatch = {
        ...tokenColumns(vault, {
          credentialId: row.id,
          tokens: outcome.tokens,
          fallbackScope: row.granted_scope,
          now: done,
          refreshAheadMs: deps.refreshAheadMs,
          keepaliveMs: deps.keepaliveMs,
        }),
        status: nextStatus(status, 'refreshed'),
      };
      const committed = await commitWithRetry(lease, patch);
      observe(committed === 'ok' ? 'ok' : 'lost');
      if (committed === 'lost') {
        // Our lease lapsed while the provider answered and another holder moved on: keep its newer tokens.
        log.warn({ credentialId: row.id }, 'refresh lease lapsed before commit; newer tokens kept');
        const current = await repo.findById(row.id);
        if (current && current.status === 'active')
          return oldTokenOr(
            current,
            new AppError('provider_timeout', 'refresh raced with another process'),
            clock(),
          );
        throw notUsable(current ?? row);
      }
      if (committed === 'failed') {
        // The provider rotated the refresh token and we could not store it: the old one is dead.
        log.error(
          { credentialId: row.id },
          'REFRESHED TOKENS COULD NOT BE STORED: the rotated refresh token is lost; the credential needs authorizing again',
        );
        await db.kysely
          .updateTable('credentials')
          .set({
            status: nextStatus(status, 'tokens_lost'),
            last_error_code: 'tokens_lost',
            last_error_message: 'the refreshed tokens could not be stored (database error); authorize again',
            last_error_at: clock(),
            token_version: sql<number>`token_version + 1`,
          })
          .where('id', '=', row.id)
          .execute()
          .catch(() => {});
        cache.delete(row.id);
        throw new AppError(
          'reauthorization_required',
          'refreshed tokens could not be stored: authorize the credential again',
        );
      }
      const fresh: CredentialRow = {
        ...row,
        ...(patch as Partial<CredentialRow>),
        token_version: row.token_version + 1,
      };
      // The refresher renews tokens nobody is waiting for: those stay sealed in the database, not in memory.
      const entry = keepInCache ? remember(fresh)! : (cache.delete(row.id), entryFromRow(fresh)!);
      await audit.recordFor(sysCtx(row, requestId), 'credential.refreshed', target, 'ok', {
        durationMs: done - started,
        expiresIn: outcome.tokens.expiresIn,
        rotated: Boolean(outcome.tokens.refreshToken),
      });
      return view(entry);
    }

    const f = outcome.failure;
    const failures = row.refresh_failures + 1;
    observe(f.kind === 'oauth_error' ? (REJECTED.has(f.code) ? 'rejected' : 'oauth_error') : 'transient');
    if (f.kind === 'oauth_error' && REJECTED.has(f.code)) {
      await leases.commit(
        lease,
        {
          status: nextStatus(status, 'refresh_rejected'),
          refresh_token_sealed: null,
          last_error_code: f.code,
          last_error_message: f.message,
          last_error_at: done,
          refresh_failures: failures,
          updated_at: done,
        },
        true,
      );
      cache.delete(row.id);
      await audit.recordFor(sysCtx(row, requestId), 'credential.reauthorization_required', target, 'error', {
        code: f.code,
        message: f.message,
      });
      throw new AppError(
        'reauthorization_required',
        `the provider refused the refresh token (${f.code}): authorize the credential again`,
      );
    }
    const delay =
      f.kind === 'oauth_error'
        ? Math.max(INVALID_CLIENT_COOLDOWN_MS, backoffMs(failures, f.retryAfterS))
        : backoffMs(failures, f.retryAfterS);
    const retryAt = done + delay;
    await leases.commit(
      lease,
      {
        last_error_code: f.code,
        last_error_message: f.message,
        last_error_at: done,
        refresh_failures: failures,
        next_refresh_attempt_at: retryAt,
        updated_at: done,
      },
      false,
    );
    log.warn({ credentialId: row.id, code: f.code, failures, retryInMs: delay }, 'refresh failed');
    await audit.recordFor(sysCtx(row, requestId), 'credential.refresh_failed', target, 'error', {
      code: f.code,
      message: f.message,
      transient: isTransient(f),
      retryAt: new Date(retryAt).toISOString(),
    });
    return oldTokenOr({ ...row, next_refresh_attempt_at: retryAt }, failureError(f, retryAt), clock());
  }

  /** Commit new tokens; retry a failing database for a while, since the rotated refresh token exists only here. */
  async function commitWithRetry(lease: Lease, patch: CredentialPatch): Promise<'ok' | 'lost' | 'failed'> {
    for (let attempt = 0; attempt < 6; attempt++) {
      try {
        return (await leases.commit(lease, patch, true)) ? 'ok' : 'lost';
      } catch (err) {
        log.error(
          { credentialId: lease.credentialId, attempt, err: { message: (err as Error).message } },
          'storing refreshed tokens failed; retrying',
        );
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
    return 'failed';
  }

  /** Get the lease, or wait while another process refreshes; then answer with a current token. */
  async function refreshOnce(
    credentialId: string,
    observedVersion: number,
    force: boolean,
    requestId: string | null,
  ): Promise<TokenView> {
    const deadline = clock() + leaseMs + 2_000;
    for (;;) {
      const now = clock();
      const lease = await leases.acquire(credentialId, owner, now, leaseMs);
      if (lease) {
        if (!force && lease.row.next_refresh_attempt_at !== null && lease.row.next_refresh_attempt_at > now) {
          // Cooling down after a failure: no provider call; the old token while it lasts.
          await leases.release(lease);
          return oldTokenOr(
            lease.row,
            failureError(
              {
                kind: lease.row.last_error_code === 'provider_timeout' ? 'timeout' : 'unavailable',
                code: lease.row.last_error_code ?? 'provider_unavailable',
                message: lease.row.last_error_message ?? 'the provider failed',
              },
              lease.row.next_refresh_attempt_at,
            ),
            now,
          );
        }
        return refreshUnderLease(lease, observedVersion, requestId);
      }
      // Someone else holds the lease: wait for its result.
      await new Promise((r) => setTimeout(r, pollMs));
      const row = await repo.findById(credentialId);
      if (!row) throw notFound('credential');
      if (row.token_version !== observedVersion) {
        if (row.status !== 'active') throw notUsable(row);
        const e = remember(row);
        if (e && e.expiresAt > clock()) return view(e);
      }
      if (clock() > deadline)
        throw new AppError('provider_timeout', 'a refresh in progress elsewhere did not finish in time');
    }
  }

  function singleFlight(
    credentialId: string,
    observedVersion: number,
    force: boolean,
    requestId: string | null,
  ): Promise<TokenView> {
    const key = force ? `${credentialId}:force` : credentialId;
    let p = inflight.get(key);
    if (!p) {
      p = refreshOnce(credentialId, observedVersion, force, requestId).finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  }

  /** The cached entry of a credential of this workspace, when its token is still fresh. */
  function freshEntry(ctx: OperationContext, credentialId: string, now: number): CacheEntry | null {
    const cached = cache.get(credentialId);
    return cached && cached.workspaceId === ctx.workspaceId && isFresh(cached.issuedAt, cached.expiresAt, now)
      ? cached
      : null;
  }

  /** Every change of the credential since `e` was cached would have dropped it (see coherence.ts). */
  function trusted(credentialId: string, e: CacheEntry): boolean {
    return coherence.trusted() && cache.get(credentialId) === e;
  }

  /** The current valid token: from memory after a one-row check, else from the database, refreshed if due. */
  async function current(
    ctx: OperationContext,
    credentialId: string,
  ): Promise<{ token: TokenView; connector: string }> {
    const now = clock();
    const usable = freshEntry(ctx, credentialId, now);
    let token: TokenView | null = null;
    let connector: string | null = null;
    if (usable && trusted(credentialId, usable)) {
      token = view(usable);
      connector = usable.connector;
      deps.metrics?.tokenCache.inc({ result: 'hit' });
    } else if (usable) {
      const head = await db.kysely
        .selectFrom('credentials')
        .select(['status', 'token_version', 'connector'])
        .where('id', '=', credentialId)
        .where('workspace_id', '=', ctx.workspaceId)
        .executeTakeFirst();
      if (head && head.status === 'active' && head.token_version === usable.version) {
        token = view(usable);
        connector = head.connector;
        deps.metrics?.tokenCache.inc({ result: 'hit' });
      } else cache.delete(credentialId);
    }
    if (!token || !connector) {
      deps.metrics?.tokenCache.inc({ result: 'miss' });
      const row = await repo.find(ctx.workspaceId, credentialId);
      if (!row) throw notFound('credential');
      if (row.status !== 'active') throw notUsable(row);
      const e = remember(row);
      if (!e)
        throw new AppError('reauthorization_required', 'credential has no access token: authorize it again');
      connector = row.connector;
      token = isFresh(e.issuedAt, e.expiresAt, now)
        ? view(e)
        : await singleFlight(credentialId, row.token_version, false, ctx.requestId);
    }
    touch({ id: credentialId }, now);
    return { token, connector };
  }

  return {
    owner,
    /** Provider token-endpoint calls made by this process (for tests and metrics). */
    get providerCalls() {
      return providerCalls;
    },

    /**
     * A valid access token, refreshed first if needed. Hand-outs are audited; the proxy, which uses the
     * token without handing it out, passes `{ audit: false }`.
     */
    async getToken(
      ctx: OperationContext,
      credentialId: string,
      options: { audit?: boolean } = {},
    ): Promise<TokenView> {
      const { token } = await current(ctx, credentialId);
      deps.metrics?.tokenHandouts.inc({ source: options.audit === false ? 'internal' : 'api' });
      if (options.audit === false) return token;
      audit.enqueue({
        workspaceId: ctx.workspaceId,
        actor: ctx.actor,
        action: 'token.issued',
        targetType: 'credential',
        targetId: credentialId,
        requestId: ctx.requestId,
        detail: { expiresAt: token.expiresAt },
      });
      return token;
    },

    /**
     * A valid token to use on the caller's behalf without handing it out (the proxy): not audited per
     * call, and with the credential's connector, read in the same query.
     */
    useToken(ctx: OperationContext, credentialId: string): Promise<{ token: TokenView; connector: string }> {
      deps.metrics?.tokenHandouts.inc({ source: 'proxy' });
      return current(ctx, credentialId);
    },

    /**
     * The proxy's fast path: the token and connector of a credential when memory alone can answer (see
     * `trusted`), else null and the caller takes `useToken`. Counts and records nothing: call
     * `handedOut` once the token is used.
     */
    cachedToken(
      ctx: OperationContext,
      credentialId: string,
    ): { accessToken: string; connector: string } | null {
      const e = freshEntry(ctx, credentialId, clock());
      if (!e || !trusted(credentialId, e)) return null;
      return { accessToken: e.accessToken, connector: e.connector };
    },

    /** Account for a token from `cachedToken` as `useToken` does for its own. */
    handedOut(credentialId: string): void {
      deps.metrics?.tokenHandouts.inc({ source: 'proxy' });
      deps.metrics?.tokenCache.inc({ result: 'hit' });
      touch({ id: credentialId }, clock());
    },

    /** Refresh now (POST …/refresh), whatever the token's age; exactly once across concurrent callers. */
    async refresh(ctx: OperationContext, credentialId: string): Promise<TokenView> {
      const row = await repo.find(ctx.workspaceId, credentialId);
      if (!row) throw notFound('credential');
      if (row.status !== 'active') throw notUsable(row);
      if (!row.refresh_token_sealed)
        throw new AppError('refresh_unavailable', 'credential has no refresh token: authorize it again');
      return singleFlight(credentialId, row.token_version, true, ctx.requestId);
    },

    /** Refresh a credential whose lease the refresher already holds. */
    async refreshClaimed(lease: Lease): Promise<void> {
      await refreshUnderLease(lease, lease.row.token_version, null, false).catch((err: unknown) => {
        if (!(err instanceof AppError)) throw err;
      });
    },

    /** Forget the cached token of a credential (after revocation or deletion in this process). */
    invalidate(credentialId: string): void {
      cache.delete(credentialId);
    },

    leases,
    leaseMs,
    /** Stop listening for cache invalidations (on shutdown). */
    close: () => coherence.close(),
  };
}

export type TokenService = ReturnType<typeof createTokenService>;

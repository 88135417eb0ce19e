/**
 * The authorization-code flow (RFC 6749 §4.1) on oauth4webapi: start (state, PKCE S256), then the
 * callback: state check, session binding, `iss` check (RFC 9207), code exchange, sealed storage.
 * Every failure is a recorded outcome; a credential's previous tokens are replaced only on success.
 */
import * as oauth from 'oauth4webapi';
import { sql } from 'kysely';
import type { AuditService } from '../audit/service.js';
import type { Actor, OperationContext } from '../auth/principal.js';
import type { Catalog, Connector } from '../connectors/index.js';
import type { CredentialRepository, CredentialRow } from '../credentials/repository.js';
import { nextStatus, type CredentialStatus } from '../credentials/status.js';
import type { Db } from '../db/index.js';
import { AppError, notFound } from '../http/errors.js';
import type { Logger } from '../logging/index.js';
import type { Outbound } from '../outbound/index.js';
import { tokenColumns } from '../tokens/store.js';
import { aadFor, type Vault } from '../vault/index.js';
import { buildAuthorizationUrl, resolveScope, safeReturnTo } from './authorization-request.js';
import { authorizationServerFor } from './provider.js';
import { createStateRepository, hashState, STATE_TTL_MS } from './states.js';
import { clip } from './failures.js';
import { exchangeCode } from './token-endpoint.js';

export interface AuthorizationServiceDeps {
  db: Db;
  vault: Vault;
  catalog: Catalog;
  repo: CredentialRepository;
  audit: AuditService;
  outbound: Outbound;
  publicUrl: string;
  redirectUri: string;
  refreshAheadMs: number;
  keepaliveMs: number;
  providerTimeoutMs: number;
  log: Logger;
  /** Tell the token cache that a credential's tokens were replaced. */
  tokensChanged?: (credentialId: string) => void;
  clock?: () => number;
}

export interface CallbackQuery {
  state?: string;
  code?: string;
  error?: string;
  error_description?: string;
  iss?: string;
}

export type CallbackOutcome =
  | { kind: 'rejected'; code: 'state_invalid' | 'session_mismatch'; message: string }
  | {
      kind: 'done';
      credentialId: string;
      result: 'authorized' | 'denied' | 'error';
      errorCode?: string;
      errorMessage?: string;
      returnTo: string | null;
    };

function actorToString(a: Actor): string {
  return `${a.type}:${a.id ?? ''}`;
}

function actorFromString(s: string | null): Actor {
  if (!s) return { type: 'system', id: null };
  const i = s.indexOf(':');
  const type = s.slice(0, i) as Actor['type'];
  return { type: ['api_key', 'user', 'system'].includes(type) ? type : 'system', id: s.slice(i + 1) || null };
}

export function createAuthorizationService(deps: AuthorizationServiceDeps) {
  const { db, vault, catalog, repo, audit } = deps;
  const clock = deps.clock ?? Date.now;
  const states = createStateRepository(db);

  function connectorOf(row: CredentialRow): Connector {
    const c = catalog.get(row.connector);
    if (!c) throw new AppError('conflict', `connector "${row.connector}" is no longer in the catalog`);
    return c;
  }

  async function recordFailure(
    row: CredentialRow,
    code: string,
    message: string,
    now: number,
  ): Promise<void> {
    // Status stays as it was (DESIGN §4); tokens are untouched.
    await repo.update(row.workspace_id, row.id, {
      last_error_code: code,
      last_error_message: message,
      last_error_at: now,
      updated_at: now,
      status: nextStatus(
        row.status as CredentialStatus,
        code === 'access_denied' ? 'authorization_denied' : 'authorization_failed',
      ),
    });
  }

  return {
    /** Start an authorization: a fresh state (and PKCE verifier), stored server-side; the URL to send the user to. */
    async start(ctx: OperationContext, credentialId: string, input: { returnTo?: string | null }) {
      const row = await repo.find(ctx.workspaceId, credentialId);
      if (!row) throw notFound('credential');
      const connector = connectorOf(row);
      let returnTo: string | null = null;
      if (input.returnTo) {
        returnTo = safeReturnTo(input.returnTo, deps.publicUrl);
        if (!returnTo) {
          throw new AppError(
            'validation_failed',
            'body.returnTo: must be a relative path or a URL of this server',
          );
        }
      }
      const now = clock();
      const state = oauth.generateRandomState();
      const verifier = connector.auth.pkce ? oauth.generateRandomCodeVerifier() : null;
      const scope = resolveScope(row.scope, connector);
      await states.insert({
        state_hash: hashState(state),
        workspace_id: row.workspace_id,
        credential_id: row.id,
        session_hash: ctx.sessionHash ?? null,
        code_verifier_sealed: verifier ? vault.seal(verifier, aadFor(row.id, 'code_verifier')) : null,
        redirect_uri: deps.redirectUri,
        requested_scope: scope,
        return_to: returnTo,
        created_by: actorToString(ctx.actor),
        created_at: now,
        expires_at: now + STATE_TTL_MS,
        used_at: null,
      });
      void states.prune(now).catch(() => {});
      await audit.recordFor(
        ctx,
        'credential.authorization_started',
        { type: 'credential', id: row.id },
        'ok',
        {
          scope,
          pkce: Boolean(verifier),
        },
      );
      return {
        authorizationUrl: buildAuthorizationUrl({
          connector,
          clientId: row.client_id,
          redirectUri: deps.redirectUri,
          scope,
          state,
          codeChallenge: verifier ? await oauth.calculatePKCECodeChallenge(verifier) : null,
        }),
        expiresAt: new Date(now + STATE_TTL_MS).toISOString(),
      };
    },

    /** Handle the redirect back from the provider. `sessionHash` is the caller's UI session, if any. */
    async complete(
      query: CallbackQuery,
      sessionHash: string | null,
      requestId: string | null,
    ): Promise<CallbackOutcome> {
      const now = clock();
      if (!query.state)
        return { kind: 'rejected', code: 'state_invalid', message: 'the callback has no state parameter' };
      const found = await states.find(query.state);
      if (found?.session_hash && found.session_hash !== sessionHash) {
        return {
          kind: 'rejected',
          code: 'session_mismatch',
          message:
            'this authorization was started in another signed-in session; finish it in the browser that started it',
        };
      }
      const consumed = await states.consume(query.state, now);
      if (!consumed.ok) {
        const message = {
          unknown: 'unknown authorization state: start the authorization again from Latchkey',
          used: 'this authorization response was already used: start the authorization again',
          expired: 'the authorization took longer than 10 minutes: start it again',
        }[consumed.reason];
        return { kind: 'rejected', code: 'state_invalid', message };
      }
      const st = consumed.row;
      const row = await repo.find(st.workspace_id, st.credential_id);
      if (!row)
        return { kind: 'rejected', code: 'state_invalid', message: 'the credential no longer exists' };
      const actor = actorFromString(st.created_by);
      const ctx: OperationContext = { workspaceId: row.workspace_id, actor, requestId };
      const target = { type: 'credential', id: row.id };
      const done = (
        result: 'authorized' | 'denied' | 'error',
        errorCode?: string,
        errorMessage?: string,
      ): CallbackOutcome => ({
        kind: 'done',
        credentialId: row.id,
        result,
        errorCode,
        errorMessage,
        returnTo: st.return_to,
      });
      const fail = async (code: string, message: string, result: 'denied' | 'error' = 'error') => {
        await recordFailure(row, code, message, now);
        await audit.recordFor(ctx, 'credential.authorization_failed', target, 'error', { code, message });
        return done(result, code, message);
      };

      let connector: Connector;
      try {
        connector = connectorOf(row);
      } catch (err) {
        return fail('connector_missing', (err as Error).message);
      }
      const as = authorizationServerFor(connector);
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (typeof v === 'string') params.set(k, v);
      // RFC 9207: `iss` is checked only for connectors that declare their issuer.
      if (!connector.auth.issuer) params.delete('iss');
      let callbackParams: URLSearchParams;
      try {
        callbackParams = oauth.validateAuthResponse(as, { client_id: row.client_id }, params, query.state);
      } catch (err) {
        if (err instanceof oauth.AuthorizationResponseError) {
          const code = /^[\x20-\x7e]{1,64}$/.test(err.error) ? err.error : 'authorization_error';
          if (code === 'access_denied') {
            return fail(
              'access_denied',
              (err.error_description && clip(err.error_description)) || 'the user denied the authorization',
              'denied',
            );
          }
          return fail(
            code,
            `the provider answered ${code}${err.error_description ? `: ${clip(err.error_description)}` : ''}`,
          );
        }
        if (err instanceof oauth.OperationProcessingError && /iss/.test(err.message)) {
          return fail(
            'issuer_mismatch',
            'the authorization response names another issuer than the connector’s (RFC 9207): rejected',
          );
        }
        return fail('invalid_callback', `invalid authorization response: ${(err as Error).message}`);
      }

      let clientSecret: string;
      let verifier: string | null;
      try {
        clientSecret = vault.open(row.client_secret_sealed, aadFor(row.id, 'client_secret'));
        verifier = st.code_verifier_sealed
          ? vault.open(st.code_verifier_sealed, aadFor(row.id, 'code_verifier'))
          : null;
      } catch (err) {
        deps.log.error(
          { credentialId: row.id, err: { message: (err as Error).message } },
          'cannot open sealed client secret',
        );
        return fail(
          'secret_unreadable',
          'the stored client secret cannot be opened with the current master keys',
        );
      }
      const outcome = await exchangeCode(
        { connector, clientId: row.client_id, clientSecret },
        callbackParams,
        st.redirect_uri,
        verifier,
        {
          outbound: deps.outbound,
          timeoutMs: deps.providerTimeoutMs,
          headers: requestId ? { 'x-request-id': requestId } : undefined,
        },
      );
      if (!outcome.ok) {
        deps.log.warn(
          { credentialId: row.id, code: outcome.failure.code },
          'authorization code exchange failed',
        );
        return fail(outcome.failure.code, outcome.failure.message);
      }
      const patch = tokenColumns(vault, {
        credentialId: row.id,
        tokens: outcome.tokens,
        fallbackScope: st.requested_scope,
        now: clock(),
        refreshAheadMs: deps.refreshAheadMs,
        keepaliveMs: deps.keepaliveMs,
      });
      await db.kysely
        .updateTable('credentials')
        .set({
          ...patch,
          // A new authorization replaces the whole token set, including a refresh token that is not renewed.
          refresh_token_sealed: patch.refresh_token_sealed ?? null,
          status: nextStatus(row.status as CredentialStatus, 'authorized'),
          token_version: sql<number>`token_version + 1`,
        })
        .where('id', '=', row.id)
        .where('workspace_id', '=', row.workspace_id)
        .execute();
      deps.tokensChanged?.(row.id);
      await audit.recordFor(ctx, 'credential.authorized', target, 'ok', {
        grantedScope: outcome.tokens.scope ?? st.requested_scope,
        expiresIn: outcome.tokens.expiresIn,
        refreshTokenReceived: Boolean(outcome.tokens.refreshToken),
      });
      return done('authorized');
    },
  };
}

export type AuthorizationService = ReturnType<typeof createAuthorizationService>;

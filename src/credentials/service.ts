/**
 * Credential records: create, read, edit, delete — scoped to the caller's workspace, secrets sealed,
 * every change audited. No Fastify types here.
 */
import type { AuditService } from '../audit/service.js';
import type { OperationContext } from '../auth/principal.js';
import type { Catalog } from '../connectors/catalog.js';
import { newId, type Db } from '../db/index.js';
import { AppError, notFound } from '../http/errors.js';
import { aadFor, type Vault } from '../vault/index.js';
import { presentCredential } from './present.js';
import { createCredentialRepository, type CredentialPatch, type CredentialRow } from './repository.js';
import type { CreateCredentialInput, CredentialView, UpdateCredentialInput } from './schemas.js';
import type { CredentialStatus } from './status.js';

export interface CredentialServiceDeps {
  db: Db;
  vault: Vault;
  catalog: Catalog;
  audit: AuditService;
  redirectUri: string;
  clock?: () => number;
}

/** Called before a credential is deleted (revocation at the provider, best effort). */
export type BeforeDeleteHook = (ctx: OperationContext, row: CredentialRow) => Promise<void>;

function normaliseScope(scope: string | null | undefined): string | null {
  if (scope === undefined || scope === null) return null;
  const s = scope.trim();
  return s === '' ? null : s;
}

export function createCredentialService(deps: CredentialServiceDeps) {
  const { db, vault, catalog, audit, redirectUri } = deps;
  const clock = deps.clock ?? Date.now;
  const repo = createCredentialRepository(db);
  const beforeDelete: BeforeDeleteHook[] = [];

  async function view(row: CredentialRow): Promise<CredentialView> {
    const used = await repo.usedBy([row.id]);
    return presentCredential(row, used.get(row.id) ?? [], redirectUri);
  }

  async function load(workspaceId: string, id: string): Promise<CredentialRow> {
    const row = await repo.find(workspaceId, id);
    if (!row) throw notFound('credential');
    return row;
  }

  return {
    repo,

    /** Register a hook run before delete (the token service revokes at the provider). */
    onBeforeDelete(hook: BeforeDeleteHook): void {
      beforeDelete.push(hook);
    },

    async create(ctx: OperationContext, input: CreateCredentialInput): Promise<CredentialView> {
      if (!catalog.get(input.connector)) {
        throw new AppError('unknown_connector', `connector "${input.connector}" is not in the catalog`);
      }
      const now = clock();
      const id = newId('cred', now);
      const row: CredentialRow = {
        id,
        workspace_id: ctx.workspaceId,
        connector: input.connector,
        name: input.name,
        description: input.description?.trim() ? input.description : null,
        client_id: input.clientId,
        client_secret_sealed: vault.seal(input.clientSecret, aadFor(id, 'client_secret')),
        scope: normaliseScope(input.scope),
        status: 'pending_authorization' satisfies CredentialStatus,
        access_token_sealed: null,
        refresh_token_sealed: null,
        token_type: null,
        granted_scope: null,
        access_token_expires_at: null,
        access_token_issued_at: null,
        refresh_due_at: null,
        last_refreshed_at: null,
        last_used_at: null,
        last_error_code: null,
        last_error_message: null,
        last_error_at: null,
        last_test_ok: null,
        last_test_status: null,
        last_test_at: null,
        token_version: 0,
        refresh_failures: 0,
        next_refresh_attempt_at: null,
        lease_owner: null,
        lease_until: null,
        lease_fence: 0,
        created_by: ctx.actor.id,
        created_at: now,
        updated_at: now,
      };
      await repo.insert(row);
      await audit.recordFor(ctx, 'credential.created', { type: 'credential', id }, 'ok', {
        connector: input.connector,
        name: input.name,
      });
      return view(row);
    },

    async list(
      workspaceId: string,
      q: { connector?: string; status?: CredentialStatus; cursor?: string; limit: number },
    ): Promise<{ items: CredentialView[]; nextCursor: string | null }> {
      const rows = await repo.list(workspaceId, { ...q, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      const used = await repo.usedBy(page.map((r) => r.id));
      return {
        items: page.map((r) => presentCredential(r, used.get(r.id) ?? [], redirectUri)),
        nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
      };
    },

    async get(workspaceId: string, id: string): Promise<CredentialView> {
      return view(await load(workspaceId, id));
    },

    /** The raw row (sealed columns included) for other services; never presented as is. */
    load,

    async update(ctx: OperationContext, id: string, input: UpdateCredentialInput): Promise<CredentialView> {
      await load(ctx.workspaceId, id);
      const patch: CredentialPatch = { updated_at: clock() };
      const changed: string[] = [];
      if (input.name !== undefined) {
        patch.name = input.name;
        changed.push('name');
      }
      if (input.description !== undefined) {
        patch.description = input.description?.trim() ? input.description : null;
        changed.push('description');
      }
      if (input.clientId !== undefined) {
        patch.client_id = input.clientId;
        changed.push('clientId');
      }
      if (input.clientSecret !== undefined) {
        patch.client_secret_sealed = vault.seal(input.clientSecret, aadFor(id, 'client_secret'));
        changed.push('clientSecret');
      }
      if (input.scope !== undefined) {
        patch.scope = normaliseScope(input.scope);
        changed.push('scope');
      }
      await repo.update(ctx.workspaceId, id, patch);
      await audit.recordFor(ctx, 'credential.updated', { type: 'credential', id }, 'ok', { changed });
      return view(await load(ctx.workspaceId, id));
    },

    async delete(ctx: OperationContext, id: string): Promise<void> {
      const row = await load(ctx.workspaceId, id);
      const used = (await repo.usedBy([id])).get(id) ?? [];
      if (used.length > 0) {
        const names = used.map((u) => `${u.kind} "${u.name}" (${u.id})`).join(', ');
        throw new AppError(
          'credential_in_use',
          `credential is used by ${names}; delete or reassign them first`,
        );
      }
      for (const hook of beforeDelete) await hook(ctx, row);
      await repo.delete(ctx.workspaceId, id);
      await audit.recordFor(ctx, 'credential.deleted', { type: 'credential', id }, 'ok', { name: row.name });
    },
  };
}

export type CredentialService = ReturnType<typeof createCredentialService>;

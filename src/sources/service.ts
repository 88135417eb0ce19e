/**
 * Sources and destinations: records that name a connector, one of its resources and a credential of the
 * same workspace and connector. CRUD (every change audited), the connector test, a preview of the first
 * records, and the door to runs. No Fastify types here.
 */
import type { AuditService } from '../audit/service.js';
import type { OperationContext } from '../auth/principal.js';
import type { Catalog, Connector, Resource } from '../connectors/index.js';
import type { CredentialRepository } from '../credentials/repository.js';
import { newId, type Db } from '../db/index.js';
import { AppError, ERRORS, notFound, type ErrorCode } from '../http/errors.js';
import type { TestResult } from '../tokens/index.js';
import { firstPage, pagingParamNames, pageSize, recordsOf, type RecordObject } from './paging.js';
import { presentData } from './present.js';
import { createSourceRepository, type SourcePatch, type SourceRow } from './repository.js';
import type { RunFiles } from './run-files.js';
import type {
  CreateDataInput,
  DataKind,
  DataView,
  ListDataQuery,
  Params,
  UpdateDataInput,
} from './schemas.js';
import { callUpstream, RunToken, type UpstreamDeps } from './upstream.js';

export interface SourceServiceDeps {
  db: Db;
  catalog: Catalog;
  credentials: CredentialRepository;
  audit: AuditService;
  testCredential: (ctx: OperationContext, credentialId: string) => Promise<TestResult>;
  upstream: UpstreamDeps;
  files: RunFiles;
  clock?: () => number;
}

/** What a source or destination reads or writes, resolved against the catalog. */
export interface Target {
  row: SourceRow;
  connector: Connector;
  resource: Resource;
  params: Params;
}

/** The HTTP method a kind needs from its resource. */
export const METHOD_OF: Record<DataKind, 'GET' | 'POST'> = { source: 'GET', destination: 'POST' };

/** An upstream failure as an API error (codes the error list knows pass through). */
export function upstreamError(code: string, message: string): AppError {
  const known = Object.prototype.hasOwnProperty.call(ERRORS, code);
  return new AppError(known ? (code as ErrorCode) : 'upstream_error', message);
}

export function createSourceService(deps: SourceServiceDeps) {
  const { catalog, audit } = deps;
  const clock = deps.clock ?? Date.now;
  const repo = createSourceRepository(deps.db);

  function resolveResource(kind: DataKind, connectorId: string, resourceId: string) {
    const connector = catalog.get(connectorId);
    if (!connector)
      throw new AppError('unknown_connector', `connector "${connectorId}" is not in the catalog`);
    const resource = connector.resources.find((r) => r.id === resourceId);
    if (!resource) {
      const known = connector.resources.map((r) => r.id).join(', ') || 'none';
      throw new AppError(
        'unknown_resource',
        `connector "${connectorId}" has no resource "${resourceId}" (resources: ${known})`,
      );
    }
    const method = METHOD_OF[kind];
    if (!resource.methods.includes(method)) {
      throw new AppError(
        'unsupported_resource',
        `a ${kind} needs ${method} but resource "${resourceId}" allows ${resource.methods.join(', ')}`,
      );
    }
    return { connector, resource };
  }

  function checkParams(resource: Resource, params: Params): void {
    for (const name of pagingParamNames(resource.pagination)) {
      if (Object.prototype.hasOwnProperty.call(params, name)) {
        throw new AppError(
          'validation_failed',
          `body.params.${name}: set by the resource's pagination; remove it`,
        );
      }
    }
  }

  async function checkCredential(workspaceId: string, credentialId: string, connectorId: string) {
    const cred = await deps.credentials.find(workspaceId, credentialId);
    if (!cred) throw notFound('credential');
    if (cred.connector !== connectorId) {
      throw new AppError(
        'credential_mismatch',
        `credential ${credentialId} is for connector "${cred.connector}", not "${connectorId}"`,
      );
    }
  }

  async function load(workspaceId: string, kind: DataKind, id: string): Promise<SourceRow> {
    const row = await repo.find(workspaceId, kind, id);
    if (!row) throw notFound(kind);
    return row;
  }

  async function target(workspaceId: string, kind: DataKind, id: string): Promise<Target> {
    const row = await load(workspaceId, kind, id);
    const { connector, resource } = resolveResource(kind, row.connector, row.resource);
    return { row, connector, resource, params: JSON.parse(row.params) as Params };
  }

  return {
    repo,
    load,
    /** The row with its connector and resource; fails as create would when the catalog changed. */
    target,

    /** `target`, when its credential can be used now (a run would fail at once otherwise). */
    async runnable(workspaceId: string, kind: DataKind, id: string): Promise<Target> {
      const t = await target(workspaceId, kind, id);
      const cred = await deps.credentials.find(workspaceId, t.row.credential_id);
      if (!cred) throw notFound('credential');
      if (cred.status === 'reauthorization_required')
        throw new AppError('reauthorization_required', 'the credential needs to be authorized again');
      if (cred.status !== 'active')
        throw new AppError('credential_not_active', `the credential is ${cred.status}, not active`);
      return t;
    },

    async create(ctx: OperationContext, kind: DataKind, input: CreateDataInput): Promise<DataView> {
      const { resource } = resolveResource(kind, input.connector, input.resource);
      const params = input.params ?? {};
      checkParams(resource, params);
      await checkCredential(ctx.workspaceId, input.credentialId, input.connector);
      const now = clock();
      const row: SourceRow = {
        id: newId(kind === 'source' ? 'src' : 'dst', now),
        workspace_id: ctx.workspaceId,
        kind,
        name: input.name,
        connector: input.connector,
        credential_id: input.credentialId,
        resource: input.resource,
        params: JSON.stringify(params),
        created_at: now,
        updated_at: now,
      };
      await repo.insert(row);
      await audit.recordFor(ctx, `${kind}.created`, { type: kind, id: row.id }, 'ok', {
        name: row.name,
        connector: row.connector,
        credentialId: row.credential_id,
        resource: row.resource,
      });
      return presentData(row);
    },

    async list(
      workspaceId: string,
      kind: DataKind,
      q: ListDataQuery,
    ): Promise<{ items: DataView[]; nextCursor: string | null }> {
      const rows = await repo.list(workspaceId, kind, { ...q, limit: q.limit + 1 });
      const page = rows.slice(0, q.limit);
      return {
        items: page.map(presentData),
        nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
      };
    },

    async get(workspaceId: string, kind: DataKind, id: string): Promise<DataView> {
      return presentData(await load(workspaceId, kind, id));
    },

    async update(
      ctx: OperationContext,
      kind: DataKind,
      id: string,
      input: UpdateDataInput,
    ): Promise<DataView> {
      const row = await load(ctx.workspaceId, kind, id);
      const resourceId = input.resource ?? row.resource;
      const { resource } = resolveResource(kind, row.connector, resourceId);
      const params = input.params ?? (JSON.parse(row.params) as Params);
      checkParams(resource, params);
      if (input.credentialId !== undefined)
        await checkCredential(ctx.workspaceId, input.credentialId, row.connector);
      const patch: SourcePatch = { updated_at: clock() };
      if (input.name !== undefined) patch.name = input.name;
      if (input.credentialId !== undefined) patch.credential_id = input.credentialId;
      if (input.resource !== undefined) patch.resource = input.resource;
      if (input.params !== undefined) patch.params = JSON.stringify(input.params);
      await repo.update(ctx.workspaceId, id, patch);
      await audit.recordFor(ctx, `${kind}.updated`, { type: kind, id }, 'ok', {
        changed: Object.keys(input),
      });
      return presentData(await load(ctx.workspaceId, kind, id));
    },

    async delete(ctx: OperationContext, kind: DataKind, id: string): Promise<void> {
      const row = await load(ctx.workspaceId, kind, id);
      if (await repo.hasActiveRun(id)) {
        throw new AppError('conflict', `a run of this ${kind} is in progress; cancel it first`);
      }
      const runIds = await repo.runIds(id);
      await repo.delete(ctx.workspaceId, id);
      for (const runId of runIds) await deps.files.remove(runId).catch(() => {});
      await audit.recordFor(ctx, `${kind}.deleted`, { type: kind, id }, 'ok', {
        name: row.name,
        runs: runIds.length,
      });
    },

    /** The connector's test request with the credential's token (recorded on the credential). */
    async test(ctx: OperationContext, kind: DataKind, id: string): Promise<TestResult> {
      const row = await load(ctx.workspaceId, kind, id);
      return deps.testCredential(ctx, row.credential_id);
    },

    /** The first `limit` records of the first page. */
    async preview(ctx: OperationContext, id: string, limit: number): Promise<RecordObject[]> {
      const t = await target(ctx.workspaceId, 'source', id);
      const pagination = t.resource.pagination;
      const sized =
        pagination?.type === 'offset' || (pagination?.type === 'page' && pagination.sizeParam !== undefined);
      const first = firstPage(
        { baseUrl: t.connector.api.baseUrl, path: t.resource.path },
        pagination,
        t.params,
        sized ? Math.min(limit, pageSize(pagination) ?? limit) : undefined,
      );
      const token = new RunToken(deps.upstream.tokens, ctx, t.row.credential_id, 0, clock);
      const outcome = await callUpstream(
        { ...deps.upstream, retry: { attempts: 2, baseMs: 300, maxDelayMs: 5_000 } },
        token,
        {
          method: 'GET',
          url: first.url,
          headers: t.connector.api.headers,
          signal: new AbortController().signal,
          label: `GET ${t.resource.path}`,
        },
      );
      if (!outcome.ok) throw upstreamError(outcome.code, outcome.message);
      let body: unknown;
      try {
        body = JSON.parse(outcome.text);
      } catch {
        throw new AppError(
          'upstream_error',
          `GET ${t.resource.path}: the API answered something that is not JSON`,
        );
      }
      const records = recordsOf(body, t.resource.recordsPath);
      if (!records.ok)
        throw new AppError('upstream_error', `GET ${t.resource.path}: ${records.error.message}`);
      return records.records.slice(0, limit);
    },
  };
}

export type SourceService = ReturnType<typeof createSourceService>;

/**
 * Runs of sources and destinations: start (202), list, read, cancel, and the run's file — a source run's
 * records, a destination run's per-record results — as JSON Lines once the run has finished (409
 * `run_not_finished` before). A destination run takes JSON Lines (`application/x-ndjson`, up to 50 MB) or
 * `{records: [...]}` JSON.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../auth/plugin.js';
import { operationContext } from '../auth/principal.js';
import { ErrorResponse, IdParams } from '../http/schemas.js';
import { COLLECTION, errors, TAGS } from './routes.js';
import type { RunService } from './runs.js';
import {
  ListRunsQuery,
  PUSH_LIMITS,
  PushRecordsBody,
  RunList,
  RunParams,
  RunView,
  StartSourceRunBody,
  type DataKind,
} from './schemas.js';
import type { SourceService } from './service.js';

export const JSON_LINES_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/jsonlines'];

const PushBody = z
  .union([
    z
      .custom<Buffer>((v) => Buffer.isBuffer(v))
      .describe('JSON Lines (application/x-ndjson): one record per line'),
    PushRecordsBody,
  ])
  .describe('JSON Lines with Content-Type application/x-ndjson, or {"records": [...]} as JSON');

export const runRoutes: FastifyPluginAsync<{ sources: SourceService; runs: RunService }> = async (
  app,
  opts,
) => {
  // Encapsulated: only this plugin's routes accept JSON Lines, with their own size limit.
  app.addContentTypeParser(
    JSON_LINES_TYPES,
    { parseAs: 'buffer', bodyLimit: PUSH_LIMITS.bytes },
    (_req, body, done) => done(null, body),
  );

  const r = app.withTypeProvider<ZodTypeProvider>();
  const { sources, runs } = opts;

  r.post(
    `${COLLECTION.source}/:id/runs`,
    {
      config: { permission: 'sources:write' },
      schema: {
        tags: TAGS.source,
        summary: 'Start a run: pull every page into a JSON Lines file (202; poll the run)',
        params: IdParams,
        body: StartSourceRunBody,
        response: { 202: RunView, ...errors, 503: ErrorResponse },
      },
    },
    async (req, reply) => {
      const ctx = operationContext(principalOf(req), req.id);
      const target = await sources.runnable(ctx.workspaceId, 'source', req.params.id);
      const view = await runs.startSource(ctx, target);
      return reply
        .code(202)
        .header('location', `${COLLECTION.source}/${req.params.id}/runs/${view.id}`)
        .send(view);
    },
  );

  r.post(
    `${COLLECTION.destination}/:id/runs`,
    {
      config: { permission: 'sources:write' },
      bodyLimit: PUSH_LIMITS.bytes,
      schema: {
        tags: TAGS.destination,
        summary: 'Start a run: POST every record to the resource (202; per-record results in …/results)',
        params: IdParams,
        body: PushBody,
        response: { 202: RunView, ...errors, 413: ErrorResponse, 415: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (req, reply) => {
      const ctx = operationContext(principalOf(req), req.id);
      const target = await sources.runnable(ctx.workspaceId, 'destination', req.params.id);
      const body = req.body;
      const view = await runs.startDestination(
        ctx,
        target,
        Buffer.isBuffer(body) ? { jsonLines: body.toString('utf8') } : { records: body.records },
      );
      return reply
        .code(202)
        .header('location', `${COLLECTION.destination}/${req.params.id}/runs/${view.id}`)
        .send(view);
    },
  );

  for (const kind of ['source', 'destination'] as const satisfies DataKind[]) {
    const base = `${COLLECTION[kind]}/:id/runs`;
    const tags = TAGS[kind];
    const owner = (workspaceId: string, id: string) => sources.load(workspaceId, kind, id);

    r.get(
      base,
      {
        config: { permission: 'sources:read' },
        schema: {
          tags,
          summary: 'List runs, newest first',
          params: IdParams,
          querystring: ListRunsQuery,
          response: { 200: RunList, ...errors },
        },
      },
      async (req) => {
        const { workspaceId } = principalOf(req);
        await owner(workspaceId, req.params.id);
        return runs.list(workspaceId, req.params.id, req.query);
      },
    );

    r.get(
      `${base}/:runId`,
      {
        config: { permission: 'sources:read' },
        schema: {
          tags,
          summary: 'Read a run (status, counts, error)',
          params: RunParams,
          response: { 200: RunView, ...errors },
        },
      },
      async (req) => {
        const { workspaceId } = principalOf(req);
        await owner(workspaceId, req.params.id);
        return runs.get(workspaceId, req.params.id, req.params.runId);
      },
    );

    r.post(
      `${base}/:runId/cancel`,
      {
        config: { permission: 'sources:write' },
        schema: {
          tags,
          summary: 'Stop a run at its next step (a finished run is left as it is)',
          params: RunParams,
          response: { 200: RunView, ...errors },
        },
      },
      async (req) => {
        const ctx = operationContext(principalOf(req), req.id);
        await owner(ctx.workspaceId, req.params.id);
        return runs.cancel(ctx, req.params.id, req.params.runId);
      },
    );

    const file = kind === 'source' ? 'records' : 'results';
    r.get(
      `${base}/:runId/${file}`,
      {
        config: { permission: kind === 'source' ? 'sources:write' : 'sources:read' },
        schema: {
          tags,
          summary:
            kind === 'source'
              ? 'The records the run read, as JSON Lines (409 until the run has finished)'
              : 'One result per input line (line, ok, status, error), as JSON Lines (409 until the run has finished)',
          params: RunParams,
          produces: ['application/x-ndjson'],
          response: { 200: z.string().describe('JSON Lines: one JSON object per line'), ...errors },
        },
      },
      async (req, reply) => {
        const { workspaceId } = principalOf(req);
        await owner(workspaceId, req.params.id);
        const stream = await runs.openFile(workspaceId, req.params.id, req.params.runId, file);
        return reply
          .type('application/x-ndjson')
          .header('content-disposition', `attachment; filename="${req.params.runId}.${file}.jsonl"`)
          .header('cache-control', 'no-store')
          .send(stream as unknown as string);
      },
    );
  }
};

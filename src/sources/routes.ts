/**
 * `/api/v1/sources` and `/api/v1/destinations` (DESIGN §5): CRUD, the connector test and (sources) a
 * preview. Schema → permission → service; no SQL here. The same routes serve both kinds.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../auth/plugin.js';
import { operationContext } from '../auth/principal.js';
import { ErrorResponse, IdParams } from '../http/schemas.js';
import {
  CreateDataBody,
  DataList,
  DataView,
  ListDataQuery,
  PreviewBody,
  PreviewResponse,
  TestResponse,
  UpdateDataBody,
  type DataKind,
} from './schemas.js';
import type { SourceService } from './service.js';

export const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};

export const upstreamErrors = { ...errors, 502: ErrorResponse, 504: ErrorResponse };

export const COLLECTION: Record<DataKind, string> = {
  source: '/api/v1/sources',
  destination: '/api/v1/destinations',
};
export const TAGS: Record<DataKind, string[]> = { source: ['sources'], destination: ['destinations'] };

export const dataRoutes: FastifyPluginAsync<{ sources: SourceService }> = async (app, opts) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = opts.sources;

  for (const kind of ['source', 'destination'] as const) {
    const base = COLLECTION[kind];
    const tags = TAGS[kind];

    r.post(
      base,
      {
        config: { permission: 'sources:write' },
        schema: {
          tags,
          summary: `Create a ${kind}`,
          body: CreateDataBody,
          response: { 201: DataView, ...errors },
        },
      },
      async (req, reply) => {
        const view = await svc.create(operationContext(principalOf(req), req.id), kind, req.body);
        return reply.code(201).header('location', `${base}/${view.id}`).send(view);
      },
    );

    r.get(
      base,
      {
        config: { permission: 'sources:read' },
        schema: {
          tags,
          summary: `List ${kind}s, newest first`,
          querystring: ListDataQuery,
          response: { 200: DataList, ...errors },
        },
      },
      async (req) => svc.list(principalOf(req).workspaceId, kind, req.query),
    );

    r.get(
      `${base}/:id`,
      {
        config: { permission: 'sources:read' },
        schema: { tags, summary: `Read a ${kind}`, params: IdParams, response: { 200: DataView, ...errors } },
      },
      async (req) => svc.get(principalOf(req).workspaceId, kind, req.params.id),
    );

    r.patch(
      `${base}/:id`,
      {
        config: { permission: 'sources:write' },
        schema: {
          tags,
          summary: `Edit a ${kind} (its connector stays)`,
          params: IdParams,
          body: UpdateDataBody,
          response: { 200: DataView, ...errors },
        },
      },
      async (req) => svc.update(operationContext(principalOf(req), req.id), kind, req.params.id, req.body),
    );

    r.delete(
      `${base}/:id`,
      {
        config: { permission: 'sources:write' },
        schema: {
          tags,
          summary: `Delete a ${kind}, its runs and their files (409 while a run is in progress)`,
          params: IdParams,
          response: { 204: z.null().describe('Deleted'), ...errors },
        },
      },
      async (req, reply) => {
        await svc.delete(operationContext(principalOf(req), req.id), kind, req.params.id);
        return reply.code(204).send(null);
      },
    );

    r.post(
      `${base}/:id/test`,
      {
        config: { permission: 'sources:write' },
        schema: {
          tags,
          summary: 'Call the connector’s test request with the credential’s token',
          params: IdParams,
          response: { 200: TestResponse, ...upstreamErrors },
        },
      },
      async (req) => svc.test(operationContext(principalOf(req), req.id), kind, req.params.id),
    );
  }

  r.post(
    `${COLLECTION.source}/:id/preview`,
    {
      config: { permission: 'sources:write' },
      schema: {
        tags: TAGS.source,
        summary: 'The first records of the first page (nothing is stored)',
        params: IdParams,
        body: PreviewBody,
        response: { 200: PreviewResponse, ...upstreamErrors },
      },
    },
    async (req) => ({
      records: await svc.preview(operationContext(principalOf(req), req.id), req.params.id, req.body.limit),
    }),
  );
};

/** Credential routes of DESIGN §5: schema → permission → service. No SQL here. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { operationContext } from '../auth/principal.js';
import { principalOf } from '../auth/plugin.js';
import { ErrorResponse, IdParams } from '../http/schemas.js';
import {
  CreateCredentialBody,
  CredentialList,
  CredentialView,
  ListCredentialsQuery,
  UpdateCredentialBody,
} from './schemas.js';
import type { CredentialService } from './service.js';

const tags = ['credentials'];
const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};

export const credentialRoutes: FastifyPluginAsync<{ credentials: CredentialService }> = async (app, opts) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = opts.credentials;

  r.post(
    '/api/v1/credentials',
    {
      config: { permission: 'credentials:write' },
      schema: {
        tags,
        summary: 'Create a credential (status pending_authorization)',
        body: CreateCredentialBody,
        response: { 201: CredentialView, ...errors },
      },
    },
    async (req, reply) => {
      const view = await svc.create(operationContext(principalOf(req), req.id), req.body);
      return reply.code(201).header('location', `/api/v1/credentials/${view.id}`).send(view);
    },
  );

  r.get(
    '/api/v1/credentials',
    {
      config: { permission: 'credentials:read' },
      schema: {
        tags,
        summary: 'List credentials, newest first',
        querystring: ListCredentialsQuery,
        response: { 200: CredentialList, ...errors },
      },
    },
    async (req) => svc.list(principalOf(req).workspaceId, req.query),
  );

  r.get(
    '/api/v1/credentials/:id',
    {
      config: { permission: 'credentials:read' },
      schema: {
        tags,
        summary: 'Read a credential',
        params: IdParams,
        response: { 200: CredentialView, ...errors },
      },
    },
    async (req) => svc.get(principalOf(req).workspaceId, req.params.id),
  );

  r.patch(
    '/api/v1/credentials/:id',
    {
      config: { permission: 'credentials:write' },
      schema: {
        tags,
        summary: 'Edit a credential; a new Client ID, secret or scope takes effect at the next authorization',
        params: IdParams,
        body: UpdateCredentialBody,
        response: { 200: CredentialView, ...errors },
      },
    },
    async (req) => svc.update(operationContext(principalOf(req), req.id), req.params.id, req.body),
  );

  r.delete(
    '/api/v1/credentials/:id',
    {
      config: { permission: 'credentials:write' },
      schema: {
        tags,
        summary: 'Delete a credential (revoked at the provider first, best effort)',
        params: IdParams,
        response: { 204: z.null().describe('Deleted'), ...errors },
      },
    },
    async (req, reply) => {
      await svc.delete(operationContext(principalOf(req), req.id), req.params.id);
      return reply.code(204).send(null);
    },
  );
};

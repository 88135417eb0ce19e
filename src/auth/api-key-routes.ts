/**
 * `/api/v1/api-keys`: create (the key is in that one response, never again), list, revoke. A caller can
 * neither create nor revoke a key whose role is above its own. A revoked key stops at once in this process
 * and within the authenticator's cache time in the others.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import { AppError, notFound } from '../http/errors.js';
import { ErrorResponse, IdParams, iso } from '../http/schemas.js';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey, type ApiKeyRecord } from './api-keys.js';
import type { ApiKeyAuthenticator } from './bearer.js';
import { atMost } from './permissions.js';
import { principalOf } from './plugin.js';
import { operationContext } from './principal.js';
import { ApiKeyView, CreateApiKeyBody, CreatedApiKey } from './schemas.js';

const DAY_MS = 86_400_000;
const tags = ['api-keys'];
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

/** The fields of a key that leave the server: never its value or hash. */
export function presentApiKey(r: ApiKeyRecord): ApiKeyView {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    lastFour: r.lastFour,
    createdAt: iso(r.createdAt)!,
    expiresAt: iso(r.expiresAt),
    revokedAt: iso(r.revokedAt),
    lastUsedAt: iso(r.lastUsedAt),
  };
}

export interface ApiKeyRoutesOptions {
  db: Db;
  audit: AuditService;
  apiKeyAuth: ApiKeyAuthenticator;
  clock?: () => number;
}

export const apiKeyRoutes: FastifyPluginAsync<ApiKeyRoutesOptions> = async (app, opts) => {
  const { db, audit } = opts;
  const clock = opts.clock ?? Date.now;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const config = { permission: 'api_keys:manage' as const };

  r.post(
    '/api/v1/api-keys',
    {
      config,
      bodyLimit: 16 * 1024,
      schema: {
        tags,
        summary: 'Create an API key; its value is in this response only',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...errors },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const body = req.body;
      if (!atMost(body.role, p.role)) {
        throw new AppError('forbidden', `a key cannot get a role above your own (${p.role})`);
      }
      const now = clock();
      let expiresAt: number | null = null;
      if (body.expiresAt) {
        expiresAt = Date.parse(body.expiresAt);
        if (expiresAt <= now)
          throw new AppError('validation_failed', 'body.expiresAt: must be in the future');
      } else if (body.expiresInDays) expiresAt = now + body.expiresInDays * DAY_MS;
      const { key, record } = await createApiKey(db, {
        workspaceId: p.workspaceId,
        name: body.name,
        role: body.role,
        expiresAt,
        createdBy: p.actor.id,
      });
      await audit.recordFor(
        operationContext(p, req.id),
        'api_key.created',
        { type: 'api_key', id: record.id },
        'ok',
        {
          name: record.name,
          role: record.role,
          expiresAt: iso(record.expiresAt),
        },
      );
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .header('location', `/api/v1/api-keys/${record.id}`)
        .send({ key, ...presentApiKey(record) });
    },
  );

  r.get(
    '/api/v1/api-keys',
    {
      config,
      schema: {
        tags,
        summary: 'The workspace’s API keys (never their values), revoked ones included',
        response: { 200: z.object({ items: z.array(ApiKeyView) }), ...errors },
      },
    },
    async (req) => ({ items: (await listApiKeys(db, principalOf(req).workspaceId)).map(presentApiKey) }),
  );

  r.delete(
    '/api/v1/api-keys/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Revoke an API key (it stops working at once)',
        params: IdParams,
        response: { 204: z.null().describe('Revoked'), ...errors },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const key = await getApiKey(db, p.workspaceId, req.params.id);
      if (!key) throw notFound('API key');
      if (!atMost(key.role, p.role)) {
        throw new AppError('forbidden', `this key’s role (${key.role}) is above your own (${p.role})`);
      }
      if (await revokeApiKey(db, p.workspaceId, key.id)) {
        await audit.recordFor(
          operationContext(p, req.id),
          'api_key.revoked',
          { type: 'api_key', id: key.id },
          'ok',
          {
            name: key.name,
            role: key.role,
          },
        );
      }
      opts.apiKeyAuth.forget(key.id);
      return reply.code(204).send(null);
    },
  );
};

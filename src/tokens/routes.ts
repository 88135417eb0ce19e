/** Token hand-out, forced refresh, revocation and the connector test: `/api/v1/credentials/:id/…`. */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../auth/plugin.js';
import { operationContext } from '../auth/principal.js';
import type { CredentialService } from '../credentials/service.js';
import { CredentialView } from '../credentials/schemas.js';
import { ErrorResponse, IdParams } from '../http/schemas.js';
import type { TestResult } from './connector-test.js';
import type { OperationContext } from '../auth/principal.js';
import type { Revocation } from './revoke.js';
import type { TokenService } from './service.js';

const TokenResponse = z.object({
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresAt: z.string(),
  scope: z.string().nullable(),
});

const errors = {
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  502: ErrorResponse,
  504: ErrorResponse,
};
const tags = ['tokens'];

export interface TokenRoutesOptions {
  tokens: TokenService;
  revocation: Revocation;
  credentials: CredentialService;
  test: (ctx: OperationContext, id: string) => Promise<TestResult>;
}

export const tokenRoutes: FastifyPluginAsync<TokenRoutesOptions> = async (app, opts) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/credentials/:id/token',
    {
      config: { permission: 'tokens:read' },
      schema: {
        tags,
        summary: 'A valid access token (refreshed first if needed); audited',
        params: IdParams,
        response: { 200: TokenResponse, ...errors },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return opts.tokens.getToken(operationContext(principalOf(req), req.id), req.params.id);
    },
  );

  r.post(
    '/api/v1/credentials/:id/refresh',
    {
      config: { permission: 'credentials:write' },
      schema: {
        tags,
        summary: 'Refresh now',
        params: IdParams,
        response: { 200: CredentialView, ...errors },
      },
    },
    async (req) => {
      const ctx = operationContext(principalOf(req), req.id);
      await opts.tokens.refresh(ctx, req.params.id);
      return opts.credentials.get(ctx.workspaceId, req.params.id);
    },
  );

  r.post(
    '/api/v1/credentials/:id/revoke',
    {
      config: { permission: 'credentials:write' },
      schema: {
        tags,
        summary: 'Revoke at the provider (RFC 7009) and wipe the tokens; status revoked',
        params: IdParams,
        response: {
          200: z.object({
            credential: CredentialView,
            providerRevocation: z.object({
              outcome: z.enum(['revoked', 'not_supported', 'failed', 'no_tokens']),
              message: z.string(),
            }),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const ctx = operationContext(principalOf(req), req.id);
      const providerRevocation = await opts.revocation.revoke(ctx, req.params.id);
      return { credential: await opts.credentials.get(ctx.workspaceId, req.params.id), providerRevocation };
    },
  );

  r.post(
    '/api/v1/credentials/:id/test',
    {
      config: { permission: 'credentials:write' },
      schema: {
        tags,
        summary: 'Call the connector’s test request with the credential’s token',
        params: IdParams,
        response: {
          200: z.object({
            ok: z.boolean(),
            status: z.number().nullable(),
            durationMs: z.number(),
            message: z.string(),
            credential: CredentialView,
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const ctx = operationContext(principalOf(req), req.id);
      const result = await opts.test(ctx, req.params.id);
      return { ...result, credential: await opts.credentials.get(ctx.workspaceId, req.params.id) };
    },
  );
};

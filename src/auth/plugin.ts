/**
 * Authentication and permission checks for every route. A route declares `config.permission`
 * (or `config.public: true`); the caller is authenticated by the first authenticator that recognises
 * the request (API key bearer token, then the UI session), and refused with 401/403 before any
 * validation or handler runs.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../http/errors.js';
import { can, type Permission } from './permissions.js';
import type { Principal } from './principal.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission the route needs; omitted with `public: true`. */
    permission?: Permission;
    /** Any authenticated caller may use the route. */
    authenticated?: boolean;
    /** No authentication at all. */
    public?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Recognises a caller; returns null when the request carries no credential of its kind. Throws on a bad one. */
export type Authenticator = (req: FastifyRequest) => Promise<Principal | null>;

export interface AuthPluginOptions {
  authenticators: Authenticator[];
}

/** The principal of an authenticated route (set by the hook; routes that need one may assume it). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AppError('unauthorized', 'authentication required');
  return req.principal;
}

export const authPlugin = fp<AuthPluginOptions>(
  async (app: FastifyInstance, opts) => {
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (req) => {
      const config = req.routeOptions.config;
      if (!config || config.public) return;
      const needs = config.permission;
      if (!needs && !config.authenticated) return;
      let principal: Principal | null = null;
      for (const authenticate of opts.authenticators) {
        principal = await authenticate(req);
        if (principal) break;
      }
      if (!principal) {
        throw new AppError(
          'unauthorized',
          'authentication required: send "Authorization: Bearer <api key>"',
          {
            'www-authenticate': 'Bearer realm="latchkey"',
          },
        );
      }
      req.principal = principal;
      if (needs && !can(principal.role, needs)) {
        throw new AppError('forbidden', `your role (${principal.role}) lacks the permission ${needs}`);
      }
    });
  },
  { name: 'latchkey-auth' },
);

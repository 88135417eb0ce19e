/**
 * Authentication, permission checks and rate limits for every route. A route declares
 * `config.permission`, `config.authenticated: true` or `config.public: true` — a route that declares none
 * of them is refused when it is registered (fail closed). The caller is authenticated by the first
 * authenticator that recognises the request (API key bearer token, then the UI session), rate-limited, and
 * refused with 401/403/429 before any validation or handler runs.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../http/errors.js';
import { can, type Permission } from './permissions.js';
import type { Principal } from './principal.js';
import type { RateLimiter } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission the route needs; omitted with `public: true`. */
    permission?: Permission;
    /** Any authenticated caller may use the route. */
    authenticated?: boolean;
    /** No authentication at all. */
    public?: boolean;
    /** `false`: exempt from the request rate limit (health checks, the sandbox provider). */
    rateLimit?: false;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Recognises a caller; returns null when the request carries no credential of its kind. Throws on a bad one. */
export type Authenticator = (req: FastifyRequest) => Promise<Principal | null>;

export interface AuthPluginOptions {
  authenticators: Authenticator[];
  /** Null: no rate limit. */
  rateLimiter?: RateLimiter | null;
  /**
   * Routes registered by third-party plugins that cannot declare a config, answered without
   * authentication (the UI's hashed assets). Matched by URL prefix.
   */
  publicPrefixes?: string[];
}

/** The principal of an authenticated route (set by the hook; routes that need one may assume it). */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AppError('unauthorized', 'authentication required');
  return req.principal;
}

/** The key of a caller's rate-limit bucket. */
export function rateLimitKey(p: Principal): string {
  return `${p.actor.type}:${p.actor.id ?? p.workspaceId}`;
}

function limited(waitMs: number): AppError {
  const seconds = Math.ceil(waitMs / 1000);
  return new AppError('rate_limited', `too many requests: retry in ${seconds} s`, {
    'retry-after': String(seconds),
  });
}

function declares(route: RouteOptions): boolean {
  const c = route.config as { permission?: unknown; authenticated?: unknown; public?: unknown } | undefined;
  return Boolean(c && (c.permission || c.authenticated || c.public));
}

export const authPlugin = fp<AuthPluginOptions>(
  async (app: FastifyInstance, opts) => {
    const limiter = opts.rateLimiter ?? null;
    const publicPrefixes = opts.publicPrefixes ?? [];
    app.decorateRequest('principal', null);

    app.addHook('onRoute', (route) => {
      if (declares(route)) return;
      if (publicPrefixes.some((p) => route.url.startsWith(p))) {
        route.config = { ...(route.config ?? {}), public: true } as typeof route.config;
        return;
      }
      const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
      throw new Error(
        `route ${methods} ${route.url} declares no access: set config.permission, config.authenticated or config.public`,
      );
    });

    app.addHook('onRequest', async (req) => {
      const config = req.routeOptions.config;
      // Unmatched requests (404) and routes registered before this plugin (the OpenAPI UI) are public.
      const needs = config?.permission;
      const isPublic = !config || config.public || (!needs && !config.authenticated);
      if (isPublic) {
        if (limiter && config?.rateLimit !== false) {
          const wait = limiter.take(`ip:${req.ip}`);
          if (wait) throw limited(wait);
        }
        return;
      }
      // An address that keeps failing to authenticate is stopped before its credentials are looked up.
      const failures = `auth-failures:${req.ip}`;
      if (limiter) {
        const wait = limiter.peek(failures);
        if (wait) throw limited(wait);
      }
      let principal: Principal | null = null;
      try {
        for (const authenticate of opts.authenticators) {
          principal = await authenticate(req);
          if (principal) break;
        }
      } catch (err) {
        limiter?.take(failures);
        throw err;
      }
      if (!principal) {
        limiter?.take(failures);
        throw new AppError(
          'unauthorized',
          'authentication required: send "Authorization: Bearer <api key>"',
          {
            'www-authenticate': 'Bearer realm="latchkey"',
          },
        );
      }
      if (limiter && config.rateLimit !== false) {
        const wait = limiter.take(rateLimitKey(principal));
        if (wait) throw limited(wait);
      }
      req.principal = principal;
      if (needs && !can(principal.role, needs)) {
        throw new AppError('forbidden', `your role (${principal.role}) lacks the permission ${needs}`);
      }
    });
  },
  { name: 'latchkey-auth' },
);

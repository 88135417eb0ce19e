/**
 * `buildApp(context)` assembles the Fastify application: error style, OpenAPI, authentication, and one
 * plugin per route group. `server.ts` only listens; tests call `app.inject()`.
 */
import { randomUUID } from 'node:crypto';
import fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type RouteOptions,
} from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditRoutes } from './audit/index.js';
import {
  apiKeyRoutes,
  authPlugin,
  createRateLimiter,
  memberRoutes,
  sessionAuthenticator,
  sessionRoutes,
  type Authenticator,
} from './auth/index.js';
import { connectorRoutes } from './connectors/index.js';
import type { AppContext } from './context.js';
import { credentialRoutes } from './credentials/index.js';
import { installErrorHandling } from './http/error-handler.js';
import { errorBody } from './http/errors.js';
import { registerOpenApi } from './http/openapi.js';
import { installSecurityHeaders } from './http/security.js';
import { oauthRoutes } from './oauth/index.js';
import { sourcesRoutes } from './sources/index.js';
import { proxyRoutes } from './proxy/index.js';
import { metricsRoute } from './metrics/index.js';
import { tokenRoutes } from './tokens/index.js';
import { webhookRoutes } from './webhooks/index.js';
import { VERSION } from './version.js';
import { defaultWebRoot, webPlugin } from './web/index.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface BuildOptions {
  /** Extra authenticators tried after the API key (the UI session). */
  authenticators?: Authenticator[];
  /** Called for every route as it is registered (tests enumerate the route table with it). */
  onRoute?: (route: RouteOptions) => void;
}

export async function buildApp(ctx: AppContext, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    trustProxy: ctx.config.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // Fastify refuses a malformed URL (bad percent-encoding, an over-long path parameter) before routing,
    // so the error handler never sees it: answer it in the API's error shape too.
    frameworkErrors: (err, _req, reply) => {
      const [status, code, message] =
        err.code === 'FST_ERR_BAD_URL'
          ? ([400, 'validation_failed', 'the URL is malformed (invalid percent-encoding)'] as const)
          : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? ([400, 'validation_failed', 'a path parameter is too long'] as const)
            : ([500, 'internal_error', 'the request could not be routed'] as const);
      void (reply as FastifyReply)
        .code(status)
        .type('application/json; charset=utf-8')
        .send(errorBody(code, message));
    },
  });
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  installSecurityHeaders(app, { https: ctx.config.publicUrl.startsWith('https:') });
  // The API speaks JSON only; routes that take other bodies (proxy, forms) add their own parsers.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    ctx.metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    if (route.startsWith('/api/v1/proxy/')) {
      ctx.metrics.proxyRequests.inc({ status: String(reply.statusCode) });
      ctx.metrics.proxySeconds.observe({ status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    }
    done();
  });
  app.route(metricsRoute(ctx.metrics, ctx.config.metricsToken) as never);

  await registerOpenApi(app, VERSION);
  await app.register(authPlugin, {
    authenticators: [ctx.apiKeyAuth, sessionAuthenticator(ctx.db), ...(options.authenticators ?? [])],
    rateLimiter: createRateLimiter({ perMinute: ctx.config.rateLimitPerMin }),
    // @fastify/static's routes cannot declare a config: the UI's hashed assets are public.
    publicPrefixes: ['/assets/'],
  });

  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/healthz',
    {
      config: { public: true, rateLimit: false },
      schema: {
        tags: ['health'],
        summary: 'Liveness',
        security: [],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  r.get(
    '/readyz',
    {
      config: { public: true, rateLimit: false },
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database answers',
        security: [],
        response: {
          200: z.object({ status: z.literal('ready') }),
          503: z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
        },
      },
    },
    async (_req, reply) => {
      if (await ctx.db.ping()) return { status: 'ready' as const };
      return reply
        .code(503)
        .send({ error: { code: 'service_unavailable', message: 'database unreachable' } });
    },
  );

  await app.register(sessionRoutes, {
    db: ctx.db,
    audit: ctx.audit,
    accounts: ctx.accounts,
    defaultWorkspaceId: ctx.defaultWorkspaceId,
    redirectUri: ctx.config.redirectUri,
    secureCookies: ctx.config.publicUrl.startsWith('https:'),
  });
  await app.register(memberRoutes, { accounts: ctx.accounts });
  await app.register(apiKeyRoutes, { db: ctx.db, audit: ctx.audit, apiKeyAuth: ctx.apiKeyAuth });
  await app.register(connectorRoutes, { catalog: ctx.catalog });
  await app.register(credentialRoutes, { credentials: ctx.credentials });
  await app.register(oauthRoutes, { authorization: ctx.authorization });
  await app.register(tokenRoutes, {
    tokens: ctx.tokens,
    revocation: ctx.revocation,
    credentials: ctx.credentials,
    test: ctx.testCredential,
  });
  await app.register(proxyRoutes, {
    catalog: ctx.catalog,
    tokens: ctx.tokens,
    outbound: ctx.outbound,
    upstreamTimeoutMs: ctx.config.upstreamTimeoutMs,
  });
  await app.register(webhookRoutes, { webhooks: ctx.webhooks });
  await app.register(sourcesRoutes, { sources: ctx.sources, runs: ctx.runs });
  if (ctx.sandbox) {
    const sandbox = ctx.sandbox;
    // A test provider: Latchkey's own calls to it (the proxy, refreshes) must not eat a client's limit.
    await app.register(async (scope) => {
      scope.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), rateLimit: false } as typeof route.config;
      });
      await scope.register(sandbox.plugin, { prefix: '/sandbox/2ememain' });
    });
    // RFC 8414 §3.1: the metadata of an issuer with a path, at the path-inserted well-known address.
    app.get(
      '/.well-known/oauth-authorization-server/sandbox/2ememain',
      { config: { public: true, rateLimit: false }, schema: { hide: true } },
      async () => sandbox.metadata(),
    );
  }
  await app.register(auditRoutes, { audit: ctx.audit });
  // Last: the web UI's addresses and assets (never /api, /oauth/callback, /sandbox or /docs).
  await app.register(webPlugin, { root: defaultWebRoot() });
  return app;
}

/**
 * `buildApp(context)` assembles the Fastify application: error style, OpenAPI, authentication, and one
 * plugin per route group. `server.ts` only listens; tests call `app.inject()`.
 */
import http from 'node:http';
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
import { requestIdFor } from './http/request-id.js';
import { AppError, errorBody } from './http/errors.js';
import { registerOpenApi } from './http/openapi.js';
import { installSecurityHeaders } from './http/security.js';
import { oauthRoutes } from './oauth/index.js';
import { sourcesRoutes } from './sources/index.js';
import { createProxyFastPath, proxyRoutes } from './proxy/index.js';
import { metricsRoute, recordRequest } from './metrics/index.js';
import { tokenRoutes } from './tokens/index.js';
import { webhookRoutes } from './webhooks/index.js';
import { VERSION } from './version.js';
import { defaultWebRoot, webPlugin } from './web/index.js';

export interface BuildOptions {
  /** Extra authenticators tried after the API key (the UI session). */
  authenticators?: Authenticator[];
  /** Called for every route as it is registered (tests enumerate the route table with it). */
  onRoute?: (route: RouteOptions) => void;
  /** Serve cacheable proxy requests beneath Fastify's routing (src/proxy/fast-path.ts); default true. */
  proxyFastPath?: boolean;
}

/** The server options Fastify applies to the HTTP server it creates itself. */
interface ServerDefaults {
  http?: http.ServerOptions;
  keepAliveTimeout: number;
  requestTimeout: number;
  connectionTimeout: number;
  maxRequestsPerSocket: number;
}

export async function buildApp(ctx: AppContext, options: BuildOptions = {}): Promise<FastifyInstance> {
  const rateLimiter = createRateLimiter({ perMinute: ctx.config.rateLimitPerMin });
  const https = ctx.config.publicUrl.startsWith('https:');
  const fastPath =
    options.proxyFastPath === false
      ? null
      : createProxyFastPath({
          catalog: ctx.catalog,
          tokens: ctx.tokens,
          outbound: ctx.outbound,
          upstreamTimeoutMs: ctx.config.upstreamTimeoutMs,
          apiKeyAuth: ctx.apiKeyAuth,
          rateLimiter,
          trustProxy: ctx.config.trustProxy,
          https,
          metrics: ctx.metrics,
          log: ctx.log,
        });
  const app = fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    // Fastify's own HTTP server, set up as Fastify does, with the proxy's fast path in front of its router.
    // (`inject()` calls the router directly: tests that must cover the fast path make real requests.)
    serverFactory: (handler, options) => {
      // Fastify has filled in its defaults by now.
      const opts = options as unknown as ServerDefaults;
      const server = http.createServer(opts.http ?? {}, (req, res) => {
        if (!fastPath?.take(req, res)) handler(req, res);
      });
      server.keepAliveTimeout = opts.keepAliveTimeout;
      server.requestTimeout = opts.requestTimeout;
      server.setTimeout(opts.connectionTimeout);
      if (opts.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = opts.maxRequestsPerSocket;
      return server;
    },
    bodyLimit: 1024 * 1024,
    // Requests during shutdown are answered by the onRequest hook below, in the API's error shape.
    return503OnClosing: false,
    trustProxy: ctx.config.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => requestIdFor(req.headers),
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
  installSecurityHeaders(app, { https });
  // While the server closes, a request that still arrives (on a kept-alive connection) is answered 503 in the
  // API's error shape, before authentication, and the proxy's fast path takes none (no fresh upstream call).
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    fastPath?.close();
    done();
  });
  app.addHook('onRequest', (_req, _reply, done) => {
    if (!closing) return done();
    done(
      new AppError('service_unavailable', 'Latchkey is shutting down: retry in a moment', {
        'retry-after': '1',
      }),
    );
  });
  // The API speaks JSON only; routes that take other bodies (proxy, forms) add their own parsers.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    recordRequest(ctx.metrics, req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.route(metricsRoute(ctx.metrics, ctx.config.metricsToken) as never);

  await registerOpenApi(app, VERSION);
  await app.register(authPlugin, {
    authenticators: [ctx.apiKeyAuth, sessionAuthenticator(ctx.db), ...(options.authenticators ?? [])],
    rateLimiter,
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

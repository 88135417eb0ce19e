/**
 * `/_control/*`: counters, fault injection and token expiry over HTTP, for tests that run the sandbox in
 * another process. Only registered with `controls: true`; otherwise these paths answer 404.
 */
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SandboxContext } from './context.js';
import { FaultsInputSchema } from './faults.js';
import { SANDBOX_ROUTE } from './http.js';

export interface ControlActions {
  reset(): void;
  expireAccessTokens(): number;
}

const json = (reply: FastifyReply, status: number, body: unknown) =>
  reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(body));

export function controlRoutes(ctx: SandboxContext, actions: ControlActions): FastifyPluginAsync {
  return async (app) => {
    // Test harnesses often POST with `Content-Type: application/json` and no body: accept that here.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      if ((body as string).trim() === '') return done(null, undefined);
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(Object.assign(new Error('the body is not valid JSON'), { statusCode: 400 }), undefined);
      }
    });
    app.setErrorHandler((err: FastifyError, _req: FastifyRequest, reply: FastifyReply) => {
      const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
      return json(reply, status, { error: status === 500 ? 'internal error' : err.message });
    });

    app.get('/stats', SANDBOX_ROUTE, async (_req, reply) => json(reply, 200, ctx.stats.snapshot()));

    app.post('/reset', SANDBOX_ROUTE, async (_req, reply) => {
      actions.reset();
      return json(reply, 200, ctx.stats.snapshot());
    });

    app.get('/faults', SANDBOX_ROUTE, async (_req, reply) => json(reply, 200, ctx.faults.get()));

    app.post('/faults', SANDBOX_ROUTE, async (req, reply) => {
      const parsed = FaultsInputSchema.safeParse(req.body ?? {});
      if (!parsed.success) return json(reply, 400, { error: z.prettifyError(parsed.error) });
      return json(reply, 200, ctx.faults.set(parsed.data));
    });

    app.post('/expire-access-tokens', SANDBOX_ROUTE, async (_req, reply) =>
      json(reply, 200, { expired: actions.expireAccessTokens() }),
    );
  };
}

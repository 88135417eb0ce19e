/** `POST /api/v1/credentials/:id/authorize` and `GET /oauth/callback`. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hashSessionId, sessionCookieOf } from '../auth/sessions.js';
import { principalOf } from '../auth/plugin.js';
import { operationContext } from '../auth/principal.js';
import { ERRORS, errorBody } from '../http/errors.js';
import { ErrorResponse, IdParams } from '../http/schemas.js';
import { returnUrlWithOutcome } from './authorization-request.js';
import { resultPage } from './result-page.js';
import type { AuthorizationService } from './service.js';

const param = z.string().max(4096);
const CallbackQuery = z.object({
  state: param.optional(),
  code: param.optional(),
  error: param.optional(),
  error_description: param.optional(),
  error_uri: param.optional(),
  iss: param.optional(),
});

function wantsHtml(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('text/html') || !accept.includes('application/json');
}

export const oauthRoutes: FastifyPluginAsync<{ authorization: AuthorizationService }> = async (
  app,
  { authorization },
) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/credentials/:id/authorize',
    {
      config: { permission: 'credentials:write' },
      schema: {
        tags: ['credentials'],
        summary:
          'Start the authorization: the provider URL to send the user to (state single use, 10 minutes)',
        params: IdParams,
        body: z.strictObject({ returnTo: z.string().max(2000).nullish() }).optional(),
        response: {
          200: z.object({ authorizationUrl: z.string(), expiresAt: z.string() }),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (req) =>
      authorization.start(operationContext(principalOf(req), req.id), req.params.id, {
        returnTo: req.body?.returnTo ?? null,
      }),
  );

  const reject = (
    req: FastifyRequest,
    reply: FastifyReply,
    code: 'state_invalid' | 'session_mismatch' | 'validation_failed',
    message: string,
  ) => {
    reply.code(ERRORS[code].status).header('cache-control', 'no-store');
    if (wantsHtml(req))
      return reply
        .type('text/html; charset=utf-8')
        .send(resultPage({ ok: false, title: 'Authorization not completed', detail: message }));
    return reply.send(errorBody(code, message));
  };

  app.get(
    '/oauth/callback',
    {
      config: { public: true },
      schema: {
        tags: ['oauth'],
        summary: 'Where the provider sends the user back (RFC 6749 §4.1.2); redirects to the flow’s returnTo',
        security: [],
      },
    },
    async (req, reply) => {
      // Parsed here (not by the route schema) so that even bad input gets the browser-friendly page.
      const parsed = CallbackQuery.safeParse(req.query);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return reject(
          req,
          reply,
          'validation_failed',
          `query.${issue.path.join('.')}: ${issue.message} (each parameter must appear once)`,
        );
      }
      const cookie = sessionCookieOf(req);
      const outcome = await authorization.complete(
        parsed.data,
        cookie ? hashSessionId(cookie) : null,
        req.id,
      );
      if (outcome.kind === 'rejected') return reject(req, reply, outcome.code, outcome.message);
      reply.header('cache-control', 'no-store');
      if (outcome.returnTo) {
        return reply.redirect(
          returnUrlWithOutcome(outcome.returnTo, {
            result: outcome.result,
            credentialId: outcome.credentialId,
            errorCode: outcome.errorCode,
            errorMessage: outcome.errorMessage,
          }),
          303,
        );
      }
      const ok = outcome.result === 'authorized';
      if (!wantsHtml(req)) {
        return reply.send({
          result: outcome.result,
          credentialId: outcome.credentialId,
          error: ok ? null : { code: outcome.errorCode, message: outcome.errorMessage },
        });
      }
      return reply.type('text/html; charset=utf-8').send(
        resultPage({
          ok,
          title: ok
            ? 'Authorized'
            : outcome.result === 'denied'
              ? 'Authorization denied'
              : 'Authorization failed',
          detail: ok
            ? 'The credential is active: Latchkey stored its tokens, sealed.'
            : `${outcome.errorCode}: ${outcome.errorMessage}`,
        }),
      );
    },
  );
};

/**
 * The authorization server's machine endpoints: RFC 8414 metadata, RFC 7591 registration, the token
 * endpoint (RFC 6749 §3.2, with fault injection) and RFC 7009 revocation. Errors are OAuth error bodies
 * `{error, error_description}` with the statuses of RFC 6749 §5.2.
 */
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { REALM } from './brand.js';
import { authorizationServerMetadata, type SandboxContext } from './context.js';
import type { FaultAction } from './faults.js';
import { readForm, SANDBOX_ROUTE, sendNoStoreJson } from './http.js';
import { isContentType } from './protocol.js';
import { buildClient, presentRegistration } from './registration.js';
import type { OAuthFailure } from './token-service.js';

function sendFailure(reply: FastifyReply, failure: OAuthFailure): FastifyReply {
  if (failure.status === 401 && failure.basic)
    reply.header('www-authenticate', `Basic realm="${REALM}", charset="UTF-8"`);
  return sendNoStoreJson(reply, failure.status, {
    error: failure.error,
    error_description: failure.description,
  });
}

function describeFrameworkError(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported Content-Type';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'the body is too large';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'the body is not valid JSON';
    default:
      return err instanceof SyntaxError ? 'the body is not valid JSON' : 'the request cannot be read';
  }
}

function sendFault(
  reply: FastifyReply,
  action: Exclude<FaultAction, { kind: 'pass' | 'delay' }>,
): FastifyReply {
  switch (action.kind) {
    case 'status':
      if (action.status === 429 || action.status === 503) reply.header('retry-after', '1');
      return sendNoStoreJson(reply, action.status, {
        error: action.error,
        error_description: 'fault injected by the sandbox',
      });
    case 'garbage':
      return reply
        .code(action.status)
        .type('text/html; charset=utf-8')
        .send(
          '<html><body><h1>502 Bad Gateway</h1><p>upstream hiccup (fault injected by the sandbox)</p></body></html>',
        );
    case 'drop':
      reply.hijack();
      reply.raw.destroy();
      return reply;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function oauthRoutes(ctx: SandboxContext): FastifyPluginAsync {
  return async (app) => {
    app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      const status = err.statusCode ?? 500;
      if (status >= 500) {
        req.log.error({ err: { message: err.message, code: err.code } }, 'sandbox: unexpected error');
        return sendNoStoreJson(reply, 500, {
          error: 'server_error',
          error_description: 'internal error of the sandbox',
        });
      }
      const error = req.url.split('?')[0]!.endsWith('/register')
        ? 'invalid_client_metadata'
        : 'invalid_request';
      return sendNoStoreJson(reply, status === 413 ? 413 : 400, {
        error,
        error_description: describeFrameworkError(err),
      });
    });

    app.get('/.well-known/oauth-authorization-server', SANDBOX_ROUTE, async (_req, reply) =>
      reply.header('cache-control', 'max-age=60').send(authorizationServerMetadata(ctx.issuer())),
    );

    app.post('/register', SANDBOX_ROUTE, async (req, reply) => {
      if (!isContentType(req.headers['content-type'], 'application/json')) {
        return sendNoStoreJson(reply, 400, {
          error: 'invalid_client_metadata',
          error_description: 'the body must be application/json',
        });
      }
      const result = buildClient(req.body, ctx.clock());
      if (!result.ok)
        return sendNoStoreJson(reply, 400, { error: result.error, error_description: result.description });
      ctx.store.addClient(result.client);
      ctx.stats.registration();
      return sendNoStoreJson(reply, 201, presentRegistration(result.client, result.secret));
    });

    app.post('/oauth/token', SANDBOX_ROUTE, async (req, reply) => {
      const action = ctx.faults.next();
      if (action.kind === 'delay') await sleep(action.ms);
      else if (action.kind !== 'pass') {
        ctx.stats.tokenFaulted();
        return sendFault(reply, action);
      }
      const form = readForm(req);
      const grantType = form.ok ? form.params.grant_type : undefined;
      const known = grantType === 'authorization_code' || grantType === 'refresh_token';
      const outcome = form.ok
        ? ctx.tokens.grant(req.headers.authorization, form.params)
        : ({
            ok: false,
            failure: { error: 'invalid_request', description: form.problem, status: 400 },
          } as const);
      ctx.stats.tokenRequest(known ? grantType : 'unsupported', outcome.ok ? null : outcome.failure.error);
      return outcome.ok ? sendNoStoreJson(reply, 200, outcome.value) : sendFailure(reply, outcome.failure);
    });

    app.post('/oauth/revoke', SANDBOX_ROUTE, async (req, reply) => {
      const form = readForm(req);
      if (!form.ok)
        return sendFailure(reply, { error: 'invalid_request', description: form.problem, status: 400 });
      const auth = ctx.tokens.authenticate(req.headers.authorization, form.params);
      if (!auth.ok) return sendFailure(reply, auth.failure);
      const result = ctx.tokens.revoke(auth.value, form.params);
      if (!result.ok) return sendFailure(reply, result.failure);
      ctx.stats.revocation(result.value);
      return reply.code(200).header('cache-control', 'no-store').send();
    });
  };
}

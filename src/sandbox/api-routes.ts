/**
 * The Marktplaats-style API (DESIGN §3): HAL+JSON, bearer access tokens (RFC 6750), 406 for an Accept
 * without `application/json` (checked before authentication, as the provider does), offset/limit paging
 * rules, and errors as `{code, message, logref, details}`.
 */
import { randomBytes } from 'node:crypto';
import type {
  FastifyError,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
} from 'fastify';
import {
  DEMO_USER,
  pageLinks,
  parsePagination,
  presentAdvertisement,
  validateAdvertisementBody,
  type ValidationDetail,
} from './advertisements.js';
import { REALM } from './brand.js';
import type { SandboxContext } from './context.js';
import { queryOf, SANDBOX_ROUTE } from './http.js';
import { acceptsJson, bearerChallenge, isContentType, parseBearer, type Scope } from './protocol.js';

function sendError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details: ValidationDetail[] = [],
) {
  const body = { code, message, logref: randomBytes(8).toString('hex'), details };
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

function sendHal(reply: FastifyReply, status: number, body: unknown) {
  return reply.code(status).type('application/hal+json; charset=utf-8').send(JSON.stringify(body));
}

export function apiRoutes(ctx: SandboxContext): FastifyPluginAsync {
  return async (app) => {
    const collectionUrl = () => `${ctx.issuer()}/api/v1/advertisements`;

    app.addHook('onResponse', async (_req, reply) => ctx.stats.apiRequest(reply.statusCode));

    app.setNotFoundHandler((_req, reply) => sendError(reply, 404, 'not-found', 'No such resource'));

    app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      const status = err.statusCode ?? 500;
      if (status >= 500) {
        req.log.error({ err: { message: err.message, code: err.code } }, 'sandbox: unexpected error');
        return sendError(reply, 500, 'internal-error', 'Internal error of the sandbox');
      }
      if (status === 415)
        return sendError(reply, 415, 'unsupported-media-type', 'The body must be application/json');
      if (status === 413) return sendError(reply, 413, 'payload-too-large', 'The body is too large');
      return sendError(reply, 400, 'validation-error', 'The body is not valid JSON');
    });

    /** Content negotiation, then the bearer token, then its scope (one of `anyOf`). */
    function guard(anyOf: Scope[]): onRequestAsyncHookHandler {
      return async (req, reply) => {
        if (!acceptsJson(req.headers.accept)) {
          return sendError(reply, 406, 'not-acceptable', 'The Accept header must include application/json');
        }
        const bearer = parseBearer(req.headers.authorization);
        if (bearer === null) {
          reply.header('www-authenticate', bearerChallenge(REALM));
          return sendError(
            reply,
            401,
            'unauthorized',
            'Authentication required: send Authorization: Bearer <access token>',
          );
        }
        if (bearer === 'malformed') {
          const description = 'The Authorization header is malformed';
          reply.header('www-authenticate', bearerChallenge(REALM, { code: 'invalid_request', description }));
          return sendError(reply, 400, 'invalid-request', description);
        }
        const verified = ctx.tokens.verifyAccessToken(bearer);
        if (!verified.ok) {
          reply.header(
            'www-authenticate',
            bearerChallenge(REALM, { code: 'invalid_token', description: verified.description }),
          );
          return sendError(reply, 401, 'invalid-token', verified.description);
        }
        if (!anyOf.some((s) => verified.token.scope.includes(s))) {
          const scope = anyOf.join(' ');
          const description = `This request needs the scope ${anyOf.join(' or ')}`;
          reply.header(
            'www-authenticate',
            bearerChallenge(REALM, { code: 'insufficient_scope', description, scope }),
          );
          return sendError(reply, 403, 'insufficient-scope', description);
        }
      };
    }

    const route = (anyOf: Scope[]) => ({ ...SANDBOX_ROUTE, onRequest: guard(anyOf) });

    /** The validated JSON body of a write, or the error already sent. */
    function writeBody(req: FastifyRequest, reply: FastifyReply) {
      if (!isContentType(req.headers['content-type'], 'application/json')) {
        sendError(reply, 415, 'unsupported-media-type', 'The body must be application/json');
        return null;
      }
      const result = validateAdvertisementBody(req.body);
      if (!result.ok) {
        sendError(reply, 400, 'validation-error', 'The advertisement is invalid', result.details);
        return null;
      }
      return result.body;
    }

    app.get('/me', route(['profile', 'read']), async (_req, reply) =>
      sendHal(reply, 200, {
        ...DEMO_USER,
        advertisementCount: ctx.store.listAds().length,
        _links: {
          self: { href: `${ctx.issuer()}/api/v1/me` },
          'mp:advertisements': { href: collectionUrl() },
        },
      }),
    );

    app.get('/advertisements', route(['read']), async (req, reply) => {
      const query = queryOf(req);
      const paging = parsePagination(query.get('offset') ?? undefined, query.get('limit') ?? undefined);
      if (!paging.ok) return sendError(reply, 400, 'pagination-invalid', paging.message);
      const { offset, limit } = paging;
      const ads = ctx.store.listAds();
      return sendHal(reply, 200, {
        _links: pageLinks(collectionUrl(), offset, limit, ads.length),
        _embedded: {
          'mp:advertisement': ads
            .slice(offset, offset + limit)
            .map((ad) => presentAdvertisement(ad, collectionUrl())),
        },
        totalCount: ads.length,
      });
    });

    app.get<{ Params: { id: string } }>('/advertisements/:id', route(['read']), async (req, reply) => {
      const ad = ctx.store.getAd(req.params.id);
      if (!ad) return sendError(reply, 404, 'not-found', `No advertisement ${req.params.id}`);
      return sendHal(reply, 200, presentAdvertisement(ad, collectionUrl()));
    });

    app.post('/advertisements', route(['write']), async (req, reply) => {
      const body = writeBody(req, reply);
      if (!body) return reply;
      const ad = ctx.store.createAd(body);
      reply.header('location', `${collectionUrl()}/${ad.itemId}`);
      return sendHal(reply, 201, presentAdvertisement(ad, collectionUrl()));
    });

    app.put<{ Params: { id: string } }>('/advertisements/:id', route(['write']), async (req, reply) => {
      if (!ctx.store.getAd(req.params.id))
        return sendError(reply, 404, 'not-found', `No advertisement ${req.params.id}`);
      const body = writeBody(req, reply);
      if (!body) return reply;
      const ad = ctx.store.replaceAd(req.params.id, body)!;
      return sendHal(reply, 200, presentAdvertisement(ad, collectionUrl()));
    });

    app.delete<{ Params: { id: string } }>('/advertisements/:id', route(['write']), async (req, reply) => {
      if (!ctx.store.deleteAd(req.params.id))
        return sendError(reply, 404, 'not-found', `No advertisement ${req.params.id}`);
      return reply.code(204).send();
    });
  };
}

/**
 * The authorization endpoint (RFC 6749 §3.1, §4.1.1–4.1.2) and the pages behind it: sign-in, consent,
 * then a redirect to the client with `code`, `state` and `iss` (RFC 9207), or with `error=access_denied`.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { DEMO_USER } from './advertisements.js';
import { checkAuthorizationRequest } from './authorization-request.js';
import type { SandboxContext } from './context.js';
import {
  browserSession,
  installHtmlErrors,
  queryOf,
  readCookie,
  readForm,
  SANDBOX_ROUTE,
  sendHtml,
  SESSION_COOKIE,
  sessionCookie,
} from './http.js';
import { consentPage, errorPage, signInPage } from './pages.js';
import { withQuery } from './protocol.js';
import { demoCredentialsMatch, type BrowserSession, type PendingAuthorization } from './sessions.js';

const EXPIRED =
  'This authorization request has expired, was already answered, or was opened in another browser. ' +
  'Go back to the application and start again.';

export function authorizeRoutes(ctx: SandboxContext): FastifyPluginAsync {
  return async (app) => {
    installHtmlErrors(app);
    const base = app.prefix;
    const cookiePath = base || '/';
    const secure = () => ctx.issuer().startsWith('https:');
    const actions = { signIn: `${base}/oauth/authorize/sign-in`, decide: `${base}/oauth/authorize/decision` };

    const redirect = (reply: FastifyReply, url: string) =>
      reply.header('cache-control', 'no-store').redirect(url, 302);

    const clientName = (p: PendingAuthorization) => ctx.store.getClient(p.clientId)?.name ?? 'An application';

    function showStep(reply: FastifyReply, session: BrowserSession, pending: PendingAuthorization) {
      if (!session.user) {
        return sendHtml(
          reply,
          200,
          signInPage({ action: actions.signIn, requestId: pending.id, clientName: clientName(pending) }),
        );
      }
      return sendHtml(
        reply,
        200,
        consentPage({
          action: actions.decide,
          requestId: pending.id,
          clientName: clientName(pending),
          redirectUri: pending.redirectUri,
          scopes: pending.scope,
          user: session.user,
        }),
      );
    }

    app.get('/oauth/authorize', SANDBOX_ROUTE, async (req, reply) => {
      const check = checkAuthorizationRequest(queryOf(req), (id) => ctx.store.getClient(id));
      if (check.kind === 'page-error')
        return sendHtml(reply, 400, errorPage('Invalid authorization request', check.message));
      if (check.kind === 'redirect-error') {
        const { redirectUri, error, description, state } = check;
        return redirect(
          reply,
          withQuery(redirectUri, { error, error_description: description, state, iss: ctx.issuer() }),
        );
      }
      const session = browserSession(req, reply, ctx.sessions, cookiePath, secure());
      const { client, ...request } = check.request;
      const pending = ctx.sessions.createPending({
        ...request,
        clientId: client.clientId,
        sessionId: session.id,
      });
      return showStep(reply, session, pending);
    });

    app.post('/oauth/authorize/sign-in', SANDBOX_ROUTE, async (req, reply) => {
      const form = readForm(req);
      if (!form.ok) return sendHtml(reply, 400, errorPage('Bad request', form.problem));
      const session = ctx.sessions.get(readCookie(req, SESSION_COOKIE));
      const pending = ctx.sessions.getPending(form.params.request_id, session);
      if (!session || !pending)
        return sendHtml(reply, 400, errorPage('Authorization request expired', EXPIRED));
      const email = form.params.email ?? '';
      if (!demoCredentialsMatch(email, form.params.password ?? '')) {
        return sendHtml(
          reply,
          401,
          signInPage({
            action: actions.signIn,
            requestId: pending.id,
            clientName: clientName(pending),
            email,
            error: 'Wrong email or password.',
          }),
        );
      }
      const signedIn = ctx.sessions.signIn(session, DEMO_USER.email);
      reply.header('set-cookie', sessionCookie(signedIn.id, cookiePath, secure()));
      const next = `${base}/oauth/consent?${new URLSearchParams({ request_id: pending.id })}`;
      return reply.header('cache-control', 'no-store').redirect(next, 303);
    });

    app.get('/oauth/consent', SANDBOX_ROUTE, async (req, reply) => {
      const session = ctx.sessions.get(readCookie(req, SESSION_COOKIE));
      const pending = ctx.sessions.getPending(queryOf(req).get('request_id') ?? undefined, session);
      if (!session || !pending)
        return sendHtml(reply, 400, errorPage('Authorization request expired', EXPIRED));
      return showStep(reply, session, pending);
    });

    app.post('/oauth/authorize/decision', SANDBOX_ROUTE, async (req, reply) => {
      const form = readForm(req);
      if (!form.ok) return sendHtml(reply, 400, errorPage('Bad request', form.problem));
      const session = ctx.sessions.get(readCookie(req, SESSION_COOKIE));
      const pending = ctx.sessions.getPending(form.params.request_id, session);
      if (!session?.user || !pending)
        return sendHtml(reply, 400, errorPage('Authorization request expired', EXPIRED));
      const decision = form.params.decision;
      if (decision !== 'authorize' && decision !== 'deny') {
        return sendHtml(reply, 400, errorPage('Bad request', 'Choose Authorize or Deny.'));
      }
      if (!ctx.sessions.finish(pending.id))
        return sendHtml(reply, 400, errorPage('Authorization request expired', EXPIRED));
      const iss = ctx.issuer();
      ctx.stats.authorization(decision === 'authorize');
      if (decision === 'deny') {
        return redirect(
          reply,
          withQuery(pending.redirectUri, {
            error: 'access_denied',
            error_description: 'The user denied the authorization request',
            state: pending.state,
            iss,
          }),
        );
      }
      const code = ctx.store.createCode({
        clientId: pending.clientId,
        redirectUri: pending.redirectUri,
        redirectUriSent: pending.redirectUriSent,
        scope: pending.scope,
        codeChallenge: pending.codeChallenge,
        expiresAt: ctx.clock() + ctx.codeTtlS * 1000,
      });
      return redirect(reply, withQuery(pending.redirectUri, { code, state: pending.state, iss }));
    });
  };
}

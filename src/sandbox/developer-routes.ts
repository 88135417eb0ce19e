/**
 * The sandbox's home page and its "Developer > API Settings" page: register an application by hand and
 * get its Client ID and Client Secret (shown once), the way a provider's developer portal does.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { SandboxContext } from './context.js';
import {
  browserSession,
  installHtmlErrors,
  readCookie,
  readForm,
  SANDBOX_ROUTE,
  sendHtml,
  SESSION_COOKIE,
} from './http.js';
import { developerPage, errorPage, indexPage, type DeveloperPageData } from './pages.js';
import { safeEqual } from './protocol.js';
import { buildClient } from './registration.js';

export function developerRoutes(ctx: SandboxContext): FastifyPluginAsync {
  return async (app) => {
    installHtmlErrors(app);
    const base = app.prefix;
    const cookiePath = base || '/';
    const action = `${base}/developer/api-settings`;
    const secure = () => ctx.issuer().startsWith('https:');
    const apps = (): DeveloperPageData['apps'] =>
      ctx.store.listClients().map(({ clientId, name, redirectUris, tokenEndpointAuthMethod, issuedAt }) => ({
        clientId,
        name,
        redirectUris,
        tokenEndpointAuthMethod,
        issuedAt,
      }));

    app.get('/', SANDBOX_ROUTE, async (_req, reply) => sendHtml(reply, 200, indexPage(base, ctx.issuer())));

    app.get('/developer/api-settings', SANDBOX_ROUTE, async (req, reply) => {
      const session = browserSession(req, reply, ctx.sessions, cookiePath, secure());
      return sendHtml(reply, 200, developerPage({ action, csrf: session.csrf, apps: apps() }));
    });

    app.post('/developer/api-settings', SANDBOX_ROUTE, async (req, reply) => {
      const form = readForm(req);
      if (!form.ok) return sendHtml(reply, 400, errorPage('Bad request', form.problem));
      const session = ctx.sessions.get(readCookie(req, SESSION_COOKIE));
      if (!session || !safeEqual(form.params.csrf ?? '', session.csrf)) {
        return sendHtml(
          reply,
          403,
          errorPage('Form expired', 'This form has expired. Reload the page and try again.'),
        );
      }
      const values = {
        name: form.params.name ?? '',
        redirectUris: form.params.redirect_uris ?? '',
        authMethod: form.params.token_endpoint_auth_method ?? 'client_secret_post',
      };
      const result = buildClient(
        {
          client_name: values.name,
          redirect_uris: values.redirectUris
            .split(/\r?\n/)
            .map((u) => u.trim())
            .filter(Boolean),
          token_endpoint_auth_method: values.authMethod,
        },
        ctx.clock(),
      );
      if (!result.ok) {
        const error = result.description.startsWith('client_name')
          ? 'Enter an application name of at most 200 characters.'
          : result.description.startsWith('redirect_uris:')
            ? 'Enter at least one redirect URI (at most 20).'
            : result.description;
        return sendHtml(
          reply,
          400,
          developerPage({ action, csrf: session.csrf, apps: apps(), error, values }),
        );
      }
      ctx.store.addClient(result.client);
      ctx.stats.registration();
      return sendHtml(
        reply,
        200,
        developerPage({
          action,
          csrf: session.csrf,
          apps: apps(),
          created: {
            clientId: result.client.clientId,
            clientSecret: result.secret,
            name: result.client.name,
          },
        }),
      );
    });
  };
}

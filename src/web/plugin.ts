/**
 * Serves the built web UI (`dist/web`, made by Vite from `web/`): hashed assets under `/assets/` with a
 * long, immutable cache, and `index.html` (never cached) for every address of the single-page app. Only
 * the UI's own addresses fall back to `index.html`, so `/api/*`, `/oauth/callback`, `/sandbox/*` and
 * `/docs` keep their routes and their JSON 404s.
 */
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/** The addresses of the UI (DESIGN §7); each answers `index.html` and the app routes on the client. */
export const UI_ROUTES = [
  '/',
  '/setup',
  '/signin',
  '/connectors',
  '/connectors/:connectorId',
  '/credentials/:id',
  '/sources',
  '/sources/new',
  '/sources/:id',
  '/destinations',
  '/destinations/new',
  '/destinations/:id',
  '/settings',
  '/settings/api-keys',
  '/settings/members',
  '/settings/webhooks',
  '/settings/audit',
  '/settings/workspaces',
  '/settings/account',
  '/oauth/complete',
] as const;

/**
 * The UI's document policy: everything from this origin (no CDN, no inline script), connector logos from
 * anywhere over HTTPS or as data: URIs, and never inside a frame. The headers every response gets
 * (nosniff, Referrer-Policy, X-Frame-Options, HSTS) come from src/http/security.ts.
 */
const UI_HEADERS: Record<string, string> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Latchkey</title></head>
<body style="font:16px system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5">
<h1 style="font-size:1.4rem">Latchkey is running, but its web UI is not built</h1>
<p>Run <code>npm run build</code> (or <code>npm start</code>, which builds what is missing), then reload this page.</p>
<p>The API answers at <a href="/docs">/docs</a>.</p>
</body></html>
`;

export interface WebPluginOptions {
  /** The folder Vite built into (holds `index.html` and `assets/`). */
  root: string;
}

export const webPlugin: FastifyPluginAsync<WebPluginOptions> = async (app, opts) => {
  const root = path.resolve(opts.root);
  const indexFile = path.join(root, 'index.html');

  await app.register(fastifyStatic, {
    root: path.join(root, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    suppressWarning: true,
    index: false,
    immutable: true,
    // Vite names every file by the hash of its content.
    maxAge: '365d',
  });

  async function sendIndex(reply: FastifyReply) {
    let html: Buffer;
    try {
      html = await fs.promises.readFile(indexFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(NOT_BUILT);
    }
    return reply
      .headers(UI_HEADERS)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(html);
  }

  for (const url of UI_ROUTES) {
    app.get(url, { config: { public: true }, schema: { hide: true } }, (_req, reply) => sendIndex(reply));
  }
};

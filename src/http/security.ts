/**
 * Security headers on every response, set in one `onSend` hook:
 * - `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY` everywhere;
 * - a Content-Security-Policy chosen by what the response is: the web UI sets its own (src/web); `/docs`
 *   (swagger-ui: its scripts from this origin, inline styles); other HTML pages (the OAuth result page, the
 *   sandbox's pages: inline styles, no script); and everything else — JSON, files, proxied responses —
 *   gets `default-src 'none'; sandbox`, so that nothing the API returns can run as a page of this origin;
 * - `Strict-Transport-Security` when the public URL is https;
 * - `Cache-Control: no-store` on `/api/` responses that do not choose their own caching (tokens, keys,
 *   session views and the like must never sit in a cache).
 */
import type { FastifyInstance } from 'fastify';

/** The OpenAPI page: swagger-ui's bundle from this origin; it styles elements inline. */
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Server-rendered pages: inline styles, no script at all. No `form-action`: the sandbox's consent form
 * ends in a redirect to the client's redirect URI, which may be on any origin.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Anything that is not meant to be a page: never rendered as one, never framed. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";

export const HSTS = 'max-age=31536000';

export interface SecurityHeadersOptions {
  /** The public URL is https: tell browsers to use nothing else. */
  https: boolean;
}

function isHtml(type: unknown): boolean {
  return typeof type === 'string' && type.startsWith('text/html');
}

/** The headers every response carries, whatever it is. */
export function commonSecurityHeaders(opts: SecurityHeadersOptions): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    ...(opts.https ? { 'strict-transport-security': HSTS } : {}),
  };
}

/**
 * Those of an `/api/` response (JSON or proxied): never a page of this origin. Over a proxied response's own
 * policy too: the upstream's content never runs on this origin. `Cache-Control: no-store` is added by the
 * caller when the response does not choose its own caching.
 */
export function apiSecurityHeaders(opts: SecurityHeadersOptions): Record<string, string> {
  return { ...commonSecurityHeaders(opts), 'content-security-policy': API_CSP };
}

export function installSecurityHeaders(app: FastifyInstance, opts: SecurityHeadersOptions): void {
  const common = commonSecurityHeaders(opts);
  const api = apiSecurityHeaders(opts);
  // A plain callback hook: an async one costs a promise per response.
  app.addHook('onSend', (req, reply, payload, done) => {
    const url = req.url;
    if (url.startsWith('/api/')) {
      reply.headers(api);
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    } else {
      reply.headers(common);
      if (!reply.hasHeader('content-security-policy')) {
        if (url === '/docs' || url.startsWith('/docs/')) reply.header('content-security-policy', DOCS_CSP);
        else if (isHtml(reply.getHeader('content-type'))) reply.header('content-security-policy', PAGE_CSP);
        else reply.header('content-security-policy', API_CSP);
      }
    }
    done(null, payload);
  });
}

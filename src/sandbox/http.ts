/**
 * The sandbox's own HTTP plumbing, kept inside its encapsulated plugin: the form-urlencoded body parser,
 * form reading with RFC 6749 §3.1/§3.2 rules, its session cookie, and HTML responses.
 */
// `schema.hide` is @fastify/swagger's: bring its type augmentation in, whoever else imports it.
import type {} from '@fastify/swagger';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorPage } from './pages.js';
import { isContentType } from './protocol.js';
import type { BrowserSession, SessionStore } from './sessions.js';

const FORM = 'application/x-www-form-urlencoded';
export const SESSION_COOKIE = 'sandbox_2ememain_session';

/**
 * Options of every sandbox route: out of the host's OpenAPI document (`hide`), and public, so that the
 * host's authentication hook (which only runs for routes declaring a permission) leaves it alone.
 */
export const SANDBOX_ROUTE = { schema: { hide: true }, config: { public: true } };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The host's convention (src/auth): a public route skips its authentication hook. */
    public?: boolean;
  }
}

/** Parse form bodies into URLSearchParams (only within the sandbox plugin's context). */
export function installFormParser(app: FastifyInstance): void {
  if (app.hasContentTypeParser(FORM)) app.removeContentTypeParser(FORM);
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
    done(null, new URLSearchParams(body as string));
  });
}

export type FormRead =
  { ok: true; params: Record<string, string | undefined> } | { ok: false; problem: string };

/**
 * The parameters of a form body. A parameter without a value counts as omitted, a repeated one is an
 * error (RFC 6749 §3.1), and only `application/x-www-form-urlencoded` is a form (§3.2).
 */
export function readForm(req: FastifyRequest): FormRead {
  if (!isContentType(req.headers['content-type'], FORM) || !(req.body instanceof URLSearchParams)) {
    return { ok: false, problem: `the body must be ${FORM}` };
  }
  const params: Record<string, string | undefined> = {};
  for (const key of new Set(req.body.keys())) {
    const values = req.body.getAll(key);
    if (values.length > 1) return { ok: false, problem: `parameter ${key} appears more than once` };
    if (values[0]) params[key] = values[0];
  }
  return { ok: true, params };
}

/** The query string of a request, parsed by the WHATWG rules (repeated names preserved). */
export function queryOf(req: FastifyRequest): URLSearchParams {
  const q = req.url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1));
}

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The session cookie: HttpOnly, SameSite=Lax, limited to the sandbox's path; Secure on https. */
export function sessionCookie(value: string, path: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=${path || '/'}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** The browser's sandbox session, created (and its cookie set) when it has none. */
export function browserSession(
  req: FastifyRequest,
  reply: FastifyReply,
  sessions: SessionStore,
  cookiePath: string,
  secure: boolean,
): BrowserSession {
  const existing = sessions.get(readCookie(req, SESSION_COOKIE));
  if (existing) return existing;
  const created = sessions.create();
  reply.header('set-cookie', sessionCookie(created.id, cookiePath, secure));
  return created;
}

/** Errors of the HTML pages are pages too. */
export function installHtmlErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err: { message: err.message, code: err.code } }, 'sandbox: unexpected error');
      return sendHtml(
        reply,
        500,
        errorPage('Something went wrong', 'The sandbox failed to handle this request.'),
      );
    }
    return sendHtml(
      reply,
      status === 413 ? 413 : 400,
      errorPage('Bad request', 'The form could not be read.'),
    );
  });
}

/** Pages must not be cached, framed (clickjacking on the consent page) or leak the URL as a referrer. */
export function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'",
    )
    .send(html);
}

/** A JSON answer that must not be cached (RFC 6749 §5.1). */
export function sendNoStoreJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(body));
}

/** First-run setup and UI sign-in/out: `/api/v1/setup`, `/api/v1/session`. */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import { AppError } from '../http/errors.js';
import { ErrorResponse } from '../http/schemas.js';
import { dummyPasswordHash, verifyPassword } from './passwords.js';
import { Credentials, NewAdmin, SessionView } from './schemas.js';
import { principalOf } from './plugin.js';
import { createSession, deleteSession, findSession, SESSION_COOKIE, SESSION_MAX_MS } from './sessions.js';
import { createThrottle, LOGIN_RULES } from './throttle.js';
import { countUsers, createFirstAdmin, findUserByEmail, firstMembership } from './users.js';

export interface SessionRoutesOptions {
  db: Db;
  audit: AuditService;
  defaultWorkspaceId: string;
  redirectUri: string;
  secureCookies: boolean;
}

export const sessionRoutes: FastifyPluginAsync<SessionRoutesOptions> = async (app, opts) => {
  const { db, audit } = opts;
  const throttle = createThrottle(db);
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['session'];

  async function workspaceName(id: string): Promise<string> {
    const ws = await db.kysely
      .selectFrom('workspaces')
      .select('name')
      .where('id', '=', id)
      .executeTakeFirst();
    return ws?.name ?? id;
  }

  async function signIn(
    reply: FastifyReply,
    user: { id: string; email: string },
    workspaceId: string,
    role: SessionView['role'],
  ) {
    const session = await createSession(db, user.id, workspaceId);
    reply.setCookie(SESSION_COOKIE, session.id, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: opts.secureCookies,
      maxAge: Math.floor(SESSION_MAX_MS / 1000),
    });
    return {
      user,
      workspace: { id: workspaceId, name: await workspaceName(workspaceId) },
      role,
      csrfToken: session.csrfToken,
      redirectUri: opts.redirectUri,
    } satisfies SessionView;
  }

  r.get(
    '/api/v1/setup',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Whether the first admin account must be created',
        security: [],
        response: { 200: z.object({ needsSetup: z.boolean() }) },
      },
    },
    async () => ({ needsSetup: (await countUsers(db)) === 0 }),
  );

  r.post(
    '/api/v1/setup',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Create the first admin account and sign in',
        security: [],
        body: NewAdmin,
        response: { 201: SessionView, 400: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (req, reply) => {
      const user = await createFirstAdmin(db, { ...req.body, workspaceId: opts.defaultWorkspaceId });
      if (!user) throw new AppError('setup_complete', 'an admin account exists already: sign in instead');
      await audit.record({
        workspaceId: opts.defaultWorkspaceId,
        actor: { type: 'user', id: user.id },
        action: 'user.created',
        targetType: 'user',
        targetId: user.id,
        detail: { email: user.email, role: 'admin', via: 'setup' },
        requestId: req.id,
      });
      return reply.code(201).send(await signIn(reply, user, opts.defaultWorkspaceId, 'admin'));
    },
  );

  r.post(
    '/api/v1/session',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Sign in',
        security: [],
        body: Credentials,
        response: { 200: SessionView, 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req, reply) => {
      const email = req.body.email.trim().toLowerCase();
      const accountKey = `login:account:${email}`;
      const addressKey = `login:ip:${req.ip}`;
      const wait = Math.max(await throttle.blockedFor(accountKey), await throttle.blockedFor(addressKey));
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        throw new AppError('too_many_attempts', `too many failed sign-ins: try again in ${seconds} s`, {
          'retry-after': String(seconds),
        });
      }
      const user = await findUserByEmail(db, email);
      const ok = await verifyPassword(req.body.password, user?.password_hash ?? (await dummyPasswordHash()));
      const membership = user && ok ? await firstMembership(db, user.id) : null;
      if (!user || !ok || !membership) {
        await throttle.fail(accountKey, LOGIN_RULES.account);
        await throttle.fail(addressKey, LOGIN_RULES.address);
        if (user) {
          const m = await firstMembership(db, user.id);
          if (m) {
            await audit.record({
              workspaceId: m.workspaceId,
              actor: { type: 'user', id: user.id },
              action: 'session.sign_in_failed',
              targetType: 'user',
              targetId: user.id,
              outcome: 'error',
              detail: { ip: req.ip },
              requestId: req.id,
            });
          }
        }
        throw new AppError('invalid_credentials', 'wrong email or password');
      }
      await throttle.clear(accountKey);
      await audit.record({
        workspaceId: membership.workspaceId,
        actor: { type: 'user', id: user.id },
        action: 'session.signed_in',
        targetType: 'user',
        targetId: user.id,
        detail: { ip: req.ip },
        requestId: req.id,
      });
      return signIn(reply, { id: user.id, email: user.email }, membership.workspaceId, membership.role);
    },
  );

  r.get(
    '/api/v1/session',
    {
      config: { authenticated: true },
      schema: { tags, summary: 'Who am I', response: { 200: SessionView, 401: ErrorResponse } },
    },
    async (req) => {
      const p = principalOf(req);
      let user: SessionView['user'] = null;
      let csrfToken: string | null = null;
      if (p.actor.type === 'user' && p.actor.id) {
        const row = await db.kysely
          .selectFrom('users')
          .select(['id', 'email'])
          .where('id', '=', p.actor.id)
          .executeTakeFirst();
        user = row ?? null;
        const cookie = req.cookies[SESSION_COOKIE];
        csrfToken = cookie ? ((await findSession(db, cookie))?.csrfToken ?? null) : null;
      }
      return {
        user,
        workspace: { id: p.workspaceId, name: await workspaceName(p.workspaceId) },
        role: p.role,
        csrfToken,
        redirectUri: opts.redirectUri,
      };
    },
  );

  r.delete(
    '/api/v1/session',
    {
      config: { public: true },
      schema: { tags, summary: 'Sign out', security: [], response: { 204: z.null() } },
    },
    async (req, reply) => {
      const cookie = req.cookies[SESSION_COOKIE];
      if (cookie) await deleteSession(db, cookie);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );
};

/**
 * First-run setup and the UI session: `/api/v1/setup`, `/api/v1/session` (sign in, who am I, sign out),
 * `/api/v1/session/password` and `/api/v1/session/workspace`.
 */
import cookie from '@fastify/cookie';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import { AppError } from '../http/errors.js';
import { ErrorResponse } from '../http/schemas.js';
import type { AccountService } from './accounts.js';
import { dummyPasswordHash, verifyPassword } from './passwords.js';
import { principalOf } from './plugin.js';
import { operationContext, type Principal } from './principal.js';
import { ChangePasswordBody, Credentials, NewAdmin, SessionView, SwitchWorkspaceBody } from './schemas.js';
import {
  checkCsrf,
  createSession,
  deleteSession,
  findSession,
  SESSION_COOKIE,
  SESSION_MAX_MS,
  sessionCookieOf,
} from './sessions.js';
import { createThrottle, LOGIN_RULES } from './throttle.js';
import { countUsers, createFirstAdmin, findUserByEmail, firstMembership } from './users.js';

export interface SessionRoutesOptions {
  db: Db;
  audit: AuditService;
  accounts: AccountService;
  defaultWorkspaceId: string;
  redirectUri: string;
  secureCookies: boolean;
}

/** Sign-in, setup and password bodies are small; anonymous callers get no room to send more. */
const SMALL_BODY = 16 * 1024;

const setupComplete = () =>
  new AppError('setup_complete', 'an admin account exists already: sign in instead');

/** The signed-in user behind a session principal; API keys have no password and no session. */
function sessionUser(p: Principal): { userId: string; sessionHash: string } {
  if (p.actor.type !== 'user' || !p.actor.id || !p.sessionHash) {
    throw new AppError('forbidden', 'only a signed-in user can do this (an API key has no session)');
  }
  return { userId: p.actor.id, sessionHash: p.sessionHash };
}

export const sessionRoutes: FastifyPluginAsync<SessionRoutesOptions> = async (app, opts) => {
  const { db, audit, accounts } = opts;
  // Only these routes set or clear cookies: the plugin's hooks stay off every other route.
  await app.register(cookie);
  const throttle = createThrottle(db);
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['session'];
  // Computed now, so that the first sign-in with an unknown email is not slower than any other.
  void dummyPasswordHash();

  async function view(
    user: SessionView['user'],
    workspaceId: string,
    role: SessionView['role'],
    csrfToken: string | null,
  ): Promise<SessionView> {
    return {
      user,
      workspace: { id: workspaceId, name: await accounts.workspaceName(workspaceId) },
      role,
      csrfToken,
      redirectUri: opts.redirectUri,
    };
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
    reply.header('cache-control', 'no-store');
    return view(user, workspaceId, role, session.csrfToken);
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
      bodyLimit: SMALL_BODY,
      schema: {
        tags,
        summary: 'Create the first admin account and sign in',
        security: [],
        body: NewAdmin,
        response: { 201: SessionView, 400: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (req, reply) => {
      // Answered before hashing anything: whether setup is done is public (GET /api/v1/setup), and an
      // unthrottled route must not let anyone make the server run scrypt at will.
      if ((await countUsers(db)) > 0) throw setupComplete();
      const user = await createFirstAdmin(db, { ...req.body, workspaceId: opts.defaultWorkspaceId });
      if (!user) throw setupComplete();
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
      bodyLimit: SMALL_BODY,
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
      // Counted before the password is checked: a burst of parallel guesses cannot pass the limit.
      const wait = Math.max(
        await throttle.take(addressKey, LOGIN_RULES.address),
        await throttle.take(accountKey, LOGIN_RULES.account),
      );
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        throw new AppError('too_many_attempts', `too many failed sign-ins: try again in ${seconds} s`, {
          'retry-after': String(seconds),
        });
      }
      const user = await findUserByEmail(db, email);
      const ok = await verifyPassword(req.body.password, user?.password_hash ?? (await dummyPasswordHash()));
      // Looked up whatever the outcome, so that a known email costs the same as an unknown one.
      const membership = await firstMembership(db, user?.id ?? '');
      if (!user || !ok || !membership) {
        if (user && membership) {
          // This insert is the only extra work for an existing account (well below scrypt's own jitter),
          // and the throttle allows a handful of attempts per account: no usable timing signal.
          await audit.record({
            workspaceId: membership.workspaceId,
            actor: { type: 'user', id: user.id },
            action: 'session.sign_in_failed',
            targetType: 'user',
            targetId: user.id,
            outcome: 'error',
            detail: { ip: req.ip },
            requestId: req.id,
          });
        }
        throw new AppError('invalid_credentials', 'wrong email or password');
      }
      await throttle.clear(accountKey);
      await throttle.refund(addressKey);
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
    async (req, reply) => {
      const p = principalOf(req);
      let user: SessionView['user'] = null;
      let csrfToken: string | null = null;
      if (p.actor.type === 'user' && p.actor.id) {
        user = await accounts.user(p.actor.id);
        const cookie = sessionCookieOf(req);
        csrfToken = cookie ? ((await findSession(db, cookie))?.csrfToken ?? null) : null;
      }
      reply.header('cache-control', 'no-store');
      return view(user, p.workspaceId, p.role, csrfToken);
    },
  );

  r.delete(
    '/api/v1/session',
    {
      config: { public: true },
      schema: { tags, summary: 'Sign out', security: [], response: { 204: z.null(), 403: ErrorResponse } },
    },
    async (req, reply) => {
      const cookie = sessionCookieOf(req);
      const session = cookie ? await findSession(db, cookie) : null;
      if (session && cookie) {
        // A live session is ended only by its own page (a stale cookie is simply cleared).
        checkCsrf(req, session);
        await deleteSession(db, cookie);
        await audit.record({
          workspaceId: session.workspaceId,
          actor: { type: 'user', id: session.userId },
          action: 'session.signed_out',
          targetType: 'user',
          targetId: session.userId,
          detail: { ip: req.ip },
          requestId: req.id,
        });
      }
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/v1/session/password',
    {
      config: { authenticated: true },
      bodyLimit: SMALL_BODY,
      schema: {
        tags,
        summary: 'Change your password (the current one is required); your other sessions end',
        body: ChangePasswordBody,
        response: {
          204: z.null().describe('Changed'),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          429: ErrorResponse,
        },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const { userId, sessionHash } = sessionUser(p);
      await accounts.changePassword(operationContext(p, req.id), {
        userId,
        current: req.body.currentPassword,
        next: req.body.newPassword,
        sessionHash,
        address: req.ip,
      });
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/v1/session/workspace',
    {
      config: { authenticated: true },
      bodyLimit: SMALL_BODY,
      schema: {
        tags,
        summary: 'Work in another of your workspaces (this session only)',
        body: SwitchWorkspaceBody,
        response: {
          200: SessionView,
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
        },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const { userId, sessionHash } = sessionUser(p);
      const workspaceId = req.body.workspaceId;
      const role = await accounts.switchWorkspace(
        operationContext(p, req.id),
        userId,
        sessionHash,
        workspaceId,
      );
      const cookie = sessionCookieOf(req);
      const session = cookie ? await findSession(db, cookie) : null;
      reply.header('cache-control', 'no-store');
      return view(await accounts.user(userId), workspaceId, role, session?.csrfToken ?? null);
    },
  );
};

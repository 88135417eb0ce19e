/**
 * UI sessions: a random 256-bit id in an HttpOnly, SameSite=Lax cookie (Secure when the public URL is
 * https); the database keeps its SHA-256. Sessions end after 12 idle hours or 7 days. Every state-changing
 * request made with the cookie must carry the session's CSRF token in `X-CSRF-Token`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { fastifyCookie } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/index.js';
import { AppError } from '../http/errors.js';
import type { Role } from './permissions.js';
import type { Authenticator } from './plugin.js';
import { membershipOf } from './users.js';

export const SESSION_COOKIE = 'latchkey_session';
export const SESSION_IDLE_MS = 12 * 3600_000;
export const SESSION_MAX_MS = 7 * 24 * 3600_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The session id from the request's cookies, parsed only when there is one: cookie parsing (and the cookie
 * plugin's per-response hook) stay off the hot paths that never carry a session — API keys and the proxy.
 */
export function sessionCookieOf(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (!header || !header.includes(SESSION_COOKIE)) return undefined;
  return fastifyCookie.parse(header)[SESSION_COOKIE];
}

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

export interface SessionRecord {
  idHash: string;
  userId: string;
  workspaceId: string;
  csrfToken: string;
  expiresAt: number;
}

export async function createSession(db: Db, userId: string, workspaceId: string, now = Date.now()) {
  const id = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const record = {
    id_hash: hashSessionId(id),
    user_id: userId,
    workspace_id: workspaceId,
    csrf_token: csrfToken,
    created_at: now,
    expires_at: now + SESSION_MAX_MS,
    last_seen_at: now,
  };
  await db.kysely.insertInto('sessions').values(record).execute();
  return { id, csrfToken, expiresAt: record.expires_at };
}

export async function findSession(db: Db, id: string, now = Date.now()): Promise<SessionRecord | null> {
  const row = await db.kysely
    .selectFrom('sessions')
    .selectAll()
    .where('id_hash', '=', hashSessionId(id))
    .executeTakeFirst();
  if (!row) return null;
  if (row.expires_at <= now || row.last_seen_at + SESSION_IDLE_MS <= now) {
    await db.kysely.deleteFrom('sessions').where('id_hash', '=', row.id_hash).execute();
    return null;
  }
  if (now - row.last_seen_at > 60_000) {
    await db.kysely
      .updateTable('sessions')
      .set({ last_seen_at: now })
      .where('id_hash', '=', row.id_hash)
      .execute();
  }
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    workspaceId: row.workspace_id,
    csrfToken: row.csrf_token,
    expiresAt: row.expires_at,
  };
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.kysely.deleteFrom('sessions').where('id_hash', '=', hashSessionId(id)).execute();
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Refuse an unsafe request made with the session's cookie but without its CSRF token (compared in constant time). */
export function checkCsrf(req: FastifyRequest, session: SessionRecord): void {
  if (SAFE_METHODS.has(req.method)) return;
  const header = req.headers['x-csrf-token'];
  if (typeof header !== 'string' || !sameToken(header, session.csrfToken)) {
    throw new AppError(
      'csrf_failed',
      'missing or wrong X-CSRF-Token header for a request made with a session cookie',
    );
  }
}

/** The session cookie → the user's role in the session's workspace; CSRF-checked for unsafe methods. */
export function sessionAuthenticator(db: Db): Authenticator {
  return async (req: FastifyRequest) => {
    const id = sessionCookieOf(req);
    if (!id) return null;
    const session = await findSession(db, id);
    if (!session) return null;
    const role: Role | null = await membershipOf(db, session.userId, session.workspaceId);
    if (!role) return null;
    checkCsrf(req, session);
    return {
      workspaceId: session.workspaceId,
      role,
      actor: { type: 'user', id: session.userId },
      sessionHash: session.idHash,
    };
  };
}

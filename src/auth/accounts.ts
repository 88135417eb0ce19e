/**
 * Accounts, memberships and workspaces: who belongs where, with which role. Every change is audited
 * (never with a password). A workspace always keeps at least one admin; another workspace's members
 * answer 404.
 */
import { sql, type Transaction } from 'kysely';
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import { newId } from '../db/index.js';
import type { Database } from '../db/schema.js';
import { AppError, notFound } from '../http/errors.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from './passwords.js';
import type { Role } from './permissions.js';
import type { OperationContext, Principal } from './principal.js';
import { createThrottle, LOGIN_RULES } from './throttle.js';
import { normaliseEmail } from './users.js';

export interface MemberView {
  id: string;
  email: string;
  role: Role;
  /** When the account was created. */
  createdAt: number;
  /** When it joined this workspace. */
  joinedAt: number;
}

export interface WorkspaceView {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  /** The workspace the caller is working in. */
  current: boolean;
}

export interface AccountService {
  listMembers(workspaceId: string): Promise<MemberView[]>;
  getMember(workspaceId: string, userId: string): Promise<MemberView>;
  /** A new account with a first password, member of `workspaceId`. 409 when the email has an account. */
  createUser(
    ctx: OperationContext,
    workspaceId: string,
    input: { email: string; password: string; role: Role },
  ): Promise<MemberView>;
  /** An existing account joins `workspaceId`. */
  addMember(
    ctx: OperationContext,
    workspaceId: string,
    input: { email: string; role: Role },
  ): Promise<MemberView>;
  changeRole(ctx: OperationContext, workspaceId: string, userId: string, role: Role): Promise<MemberView>;
  removeMember(ctx: OperationContext, workspaceId: string, userId: string): Promise<void>;
  /** Checks the current password (throttled like a sign-in); ends the user's other sessions. */
  changePassword(
    ctx: OperationContext,
    input: { userId: string; current: string; next: string; sessionHash: string | null; address: string },
  ): Promise<void>;
  /** The workspaces the caller may work in, with its role in each. */
  workspacesOf(p: Principal): Promise<WorkspaceView[]>;
  /** The caller's role in a workspace, or null when it is not one of its workspaces. */
  roleIn(p: Principal, workspaceId: string): Promise<Role | null>;
  createWorkspace(ctx: OperationContext, userId: string, name: string): Promise<WorkspaceView>;
  /** Move a session to another of its user's workspaces; the user's role there. */
  switchWorkspace(
    ctx: OperationContext,
    userId: string,
    sessionHash: string,
    workspaceId: string,
  ): Promise<Role>;
  workspaceName(workspaceId: string): Promise<string>;
  user(userId: string): Promise<{ id: string; email: string } | null>;
}

type Trx = Transaction<Database>;

export function createAccountService(deps: {
  db: Db;
  audit: AuditService;
  clock?: () => number;
}): AccountService {
  const { db, audit } = deps;
  const k = db.kysely;
  const clock = deps.clock ?? Date.now;
  const throttle = createThrottle(db);

  function memberQuery(q: Db['kysely'] | Trx, workspaceId: string) {
    return q
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select([
        'users.id as id',
        'users.email as email',
        'memberships.role as role',
        'users.created_at as created_at',
        'memberships.created_at as joined_at',
      ])
      .where('memberships.workspace_id', '=', workspaceId);
  }

  function toView(row: {
    id: string;
    email: string;
    role: string;
    created_at: number | string;
    joined_at: number | string;
  }): MemberView {
    return {
      id: row.id,
      email: row.email,
      role: row.role as Role,
      createdAt: Number(row.created_at),
      joinedAt: Number(row.joined_at),
    };
  }

  async function getMember(workspaceId: string, userId: string, q: Db['kysely'] | Trx = k) {
    const row = await memberQuery(q, workspaceId).where('users.id', '=', userId).executeTakeFirst();
    if (!row) throw notFound('member');
    return toView(row);
  }

  /** Serialise membership changes of one workspace (PostgreSQL; SQLite serialises writers already). */
  async function lockWorkspace(trx: Trx, workspaceId: string): Promise<boolean> {
    if (db.dialect === 'postgres') {
      const res = await sql`select id from workspaces where id = ${workspaceId} for update`.execute(trx);
      return res.rows.length > 0;
    }
    return Boolean(
      await trx.selectFrom('workspaces').select('id').where('id', '=', workspaceId).executeTakeFirst(),
    );
  }

  async function otherAdmins(trx: Trx, workspaceId: string, userId: string): Promise<number> {
    const row = await trx
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('role', '=', 'admin')
      .where('user_id', '!=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  const lastAdmin = () =>
    new AppError('last_admin', 'a workspace must keep at least one admin: make another member admin first');

  const recordIn = (ctx: OperationContext, workspaceId: string) => ({ ...ctx, workspaceId });

  return {
    listMembers: async (workspaceId) =>
      (await memberQuery(k, workspaceId).orderBy('memberships.created_at').orderBy('users.id').execute()).map(
        toView,
      ),

    getMember: (workspaceId, userId) => getMember(workspaceId, userId),

    async createUser(ctx, workspaceId, input) {
      const email = normaliseEmail(input.email);
      // Hashed first, so that the answer takes as long whether or not the email has an account.
      const password_hash = await hashPassword(input.password);
      const now = clock();
      const id = newId('usr', now);
      const created = await k.transaction().execute(async (trx) => {
        if (!(await lockWorkspace(trx, workspaceId))) throw notFound('workspace');
        const existing = await trx
          .selectFrom('users')
          .select('id')
          .where('email', '=', email)
          .executeTakeFirst();
        if (existing) return false;
        await trx
          .insertInto('users')
          .values({ id, email, password_hash, created_at: now, updated_at: now })
          .execute();
        await trx
          .insertInto('memberships')
          .values({ workspace_id: workspaceId, user_id: id, role: input.role, created_at: now })
          .execute();
        return true;
      });
      if (!created) {
        throw new AppError(
          'conflict',
          'an account with this email exists already: add it to the workspace with POST /api/v1/workspaces/{id}/members',
        );
      }
      await audit.recordFor(recordIn(ctx, workspaceId), 'user.created', { type: 'user', id }, 'ok', {
        email,
        role: input.role,
      });
      return { id, email, role: input.role, createdAt: now, joinedAt: now };
    },

    async addMember(ctx, workspaceId, input) {
      const email = normaliseEmail(input.email);
      const now = clock();
      const userId = await k.transaction().execute(async (trx) => {
        if (!(await lockWorkspace(trx, workspaceId))) throw notFound('workspace');
        const user = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
        if (!user)
          throw new AppError('not_found', 'no account with this email: create one with POST /api/v1/users');
        const member = await trx
          .selectFrom('memberships')
          .select('role')
          .where('workspace_id', '=', workspaceId)
          .where('user_id', '=', user.id)
          .executeTakeFirst();
        if (member) throw new AppError('conflict', `this account is a member already (${member.role})`);
        await trx
          .insertInto('memberships')
          .values({ workspace_id: workspaceId, user_id: user.id, role: input.role, created_at: now })
          .execute();
        return user.id;
      });
      await audit.recordFor(
        recordIn(ctx, workspaceId),
        'membership.added',
        { type: 'user', id: userId },
        'ok',
        {
          email,
          role: input.role,
        },
      );
      return getMember(workspaceId, userId);
    },

    async changeRole(ctx, workspaceId, userId, role) {
      const from = await k.transaction().execute(async (trx) => {
        if (!(await lockWorkspace(trx, workspaceId))) throw notFound('member');
        const member = await getMember(workspaceId, userId, trx);
        if (member.role === role) return member.role;
        if (member.role === 'admin' && (await otherAdmins(trx, workspaceId, userId)) === 0) throw lastAdmin();
        await trx
          .updateTable('memberships')
          .set({ role })
          .where('workspace_id', '=', workspaceId)
          .where('user_id', '=', userId)
          .execute();
        return member.role;
      });
      if (from !== role) {
        await audit.recordFor(
          recordIn(ctx, workspaceId),
          'membership.role_changed',
          { type: 'user', id: userId },
          'ok',
          { from, to: role },
        );
      }
      return getMember(workspaceId, userId);
    },

    async removeMember(ctx, workspaceId, userId) {
      const removed = await k.transaction().execute(async (trx) => {
        if (!(await lockWorkspace(trx, workspaceId))) throw notFound('member');
        const member = await getMember(workspaceId, userId, trx);
        if (member.role === 'admin' && (await otherAdmins(trx, workspaceId, userId)) === 0) throw lastAdmin();
        await trx
          .deleteFrom('memberships')
          .where('workspace_id', '=', workspaceId)
          .where('user_id', '=', userId)
          .execute();
        // Its sessions in this workspace end now (the authenticator would refuse them anyway).
        await trx
          .deleteFrom('sessions')
          .where('user_id', '=', userId)
          .where('workspace_id', '=', workspaceId)
          .execute();
        return member;
      });
      await audit.recordFor(
        recordIn(ctx, workspaceId),
        'membership.removed',
        { type: 'user', id: userId },
        'ok',
        {
          email: removed.email,
          role: removed.role,
        },
      );
    },

    async changePassword(ctx, input) {
      const accountKey = `password:user:${input.userId}`;
      const addressKey = `login:ip:${input.address}`;
      const wait = Math.max(
        await throttle.take(addressKey, LOGIN_RULES.address),
        await throttle.take(accountKey, LOGIN_RULES.account),
      );
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        throw new AppError('too_many_attempts', `too many wrong passwords: try again in ${seconds} s`, {
          'retry-after': String(seconds),
        });
      }
      const user = await k
        .selectFrom('users')
        .select(['id', 'password_hash'])
        .where('id', '=', input.userId)
        .executeTakeFirst();
      const ok = await verifyPassword(input.current, user?.password_hash ?? (await dummyPasswordHash()));
      if (!user || !ok) {
        await audit.recordFor(
          ctx,
          'user.password_change_failed',
          { type: 'user', id: input.userId },
          'error',
          {
            ip: input.address,
          },
        );
        throw new AppError('wrong_password', 'the current password is wrong');
      }
      const password_hash = await hashPassword(input.next);
      const now = clock();
      await k.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({ password_hash, updated_at: now })
          .where('id', '=', user.id)
          .execute();
        let others = trx.deleteFrom('sessions').where('user_id', '=', user.id);
        if (input.sessionHash) others = others.where('id_hash', '!=', input.sessionHash);
        await others.execute();
      });
      await throttle.clear(accountKey);
      await throttle.refund(addressKey);
      await audit.recordFor(ctx, 'user.password_changed', { type: 'user', id: user.id }, 'ok', {
        ip: input.address,
      });
    },

    async workspacesOf(p) {
      if (p.actor.type !== 'user' || !p.actor.id) {
        const ws = await k
          .selectFrom('workspaces')
          .select(['id', 'name', 'created_at'])
          .where('id', '=', p.workspaceId)
          .executeTakeFirst();
        return ws
          ? [{ id: ws.id, name: ws.name, role: p.role, createdAt: Number(ws.created_at), current: true }]
          : [];
      }
      const rows = await k
        .selectFrom('memberships')
        .innerJoin('workspaces', 'workspaces.id', 'memberships.workspace_id')
        .select([
          'workspaces.id as id',
          'workspaces.name as name',
          'workspaces.created_at as created_at',
          'memberships.role as role',
        ])
        .where('memberships.user_id', '=', p.actor.id)
        .orderBy('memberships.created_at')
        .orderBy('workspaces.id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        role: r.role as Role,
        createdAt: Number(r.created_at),
        current: r.id === p.workspaceId,
      }));
    },

    async roleIn(p, workspaceId) {
      if (workspaceId === p.workspaceId) return p.role;
      if (p.actor.type !== 'user' || !p.actor.id) return null;
      const row = await k
        .selectFrom('memberships')
        .select('role')
        .where('user_id', '=', p.actor.id)
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst();
      return (row?.role as Role | undefined) ?? null;
    },

    async createWorkspace(ctx, userId, name) {
      const now = clock();
      const id = newId('ws', now);
      await k.transaction().execute(async (trx) => {
        await trx.insertInto('workspaces').values({ id, name, created_at: now }).execute();
        await trx
          .insertInto('memberships')
          .values({ workspace_id: id, user_id: userId, role: 'admin', created_at: now })
          .execute();
      });
      // Recorded in both: where it was done from, and in the new workspace's own log.
      await audit.recordFor(ctx, 'workspace.created', { type: 'workspace', id }, 'ok', { name });
      await audit.recordFor(recordIn(ctx, id), 'workspace.created', { type: 'workspace', id }, 'ok', {
        name,
      });
      return { id, name, role: 'admin', createdAt: now, current: false };
    },

    async switchWorkspace(ctx, userId, sessionHash, workspaceId) {
      const row = await k
        .selectFrom('memberships')
        .select('role')
        .where('user_id', '=', userId)
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst();
      if (!row) throw notFound('workspace');
      await k
        .updateTable('sessions')
        .set({ workspace_id: workspaceId })
        .where('id_hash', '=', sessionHash)
        .execute();
      if (workspaceId !== ctx.workspaceId) {
        await audit.recordFor(
          recordIn(ctx, workspaceId),
          'session.workspace_switched',
          { type: 'workspace', id: workspaceId },
          'ok',
          {
            from: ctx.workspaceId,
          },
        );
      }
      return row.role as Role;
    },

    async user(userId) {
      return (
        (await k.selectFrom('users').select(['id', 'email']).where('id', '=', userId).executeTakeFirst()) ??
        null
      );
    },

    async workspaceName(workspaceId) {
      const ws = await k
        .selectFrom('workspaces')
        .select('name')
        .where('id', '=', workspaceId)
        .executeTakeFirst();
      return ws?.name ?? workspaceId;
    },
  };
}

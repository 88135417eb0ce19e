/**
 * Accounts and memberships: `/api/v1/users` (the members of the caller's workspace: create an account,
 * change a role, remove) and `/api/v1/workspaces` (mine; create one; its members). Only admins manage
 * members; a workspace the caller is not in answers 404, like every other workspace's resource.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../http/errors.js';
import { ErrorResponse, IdParams, iso } from '../http/schemas.js';
import type { AccountService, MemberView as Member, WorkspaceView as Workspace } from './accounts.js';
import { can } from './permissions.js';
import { principalOf } from './plugin.js';
import { operationContext } from './principal.js';
import {
  AddMemberBody,
  ChangeRoleBody,
  CreateUserBody,
  CreateWorkspaceBody,
  MemberList,
  MemberParams,
  MemberView,
  WorkspaceView,
} from './schemas.js';

const SMALL_BODY = 16 * 1024;
const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};

function presentMember(m: Member): MemberView {
  return { id: m.id, email: m.email, role: m.role, createdAt: iso(m.createdAt)!, joinedAt: iso(m.joinedAt)! };
}

function presentWorkspace(w: Workspace): WorkspaceView {
  return { id: w.id, name: w.name, role: w.role, createdAt: iso(w.createdAt)!, current: w.current };
}

export const memberRoutes: FastifyPluginAsync<{ accounts: AccountService }> = async (app, { accounts }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  /** The workspace `id` if the caller administers it: 404 when it is not one of its workspaces, else 403. */
  async function administered(req: FastifyRequest, id: string) {
    const p = principalOf(req);
    const role = await accounts.roleIn(p, id);
    if (!role) throw notFound('workspace');
    if (!can(role, 'members:manage')) {
      throw new AppError('forbidden', `your role (${role}) lacks the permission members:manage`);
    }
    return { ctx: operationContext(p, req.id), workspaceId: id };
  }

  // The caller's workspace.
  {
    const tags = ['users'];
    const config = { permission: 'members:manage' as const };

    r.get(
      '/api/v1/users',
      {
        config,
        schema: { tags, summary: 'The members of your workspace', response: { 200: MemberList, ...errors } },
      },
      async (req) => ({
        items: (await accounts.listMembers(principalOf(req).workspaceId)).map(presentMember),
      }),
    );

    r.post(
      '/api/v1/users',
      {
        config,
        bodyLimit: SMALL_BODY,
        schema: {
          tags,
          summary: 'Create an account with a first password, member of your workspace with a role',
          body: CreateUserBody,
          response: { 201: MemberView, ...errors },
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const m = await accounts.createUser(operationContext(p, req.id), p.workspaceId, req.body);
        return reply.code(201).header('location', `/api/v1/users/${m.id}`).send(presentMember(m));
      },
    );

    r.get(
      '/api/v1/users/:id',
      {
        config,
        schema: { tags, summary: 'One member', params: IdParams, response: { 200: MemberView, ...errors } },
      },
      async (req) => presentMember(await accounts.getMember(principalOf(req).workspaceId, req.params.id)),
    );

    r.patch(
      '/api/v1/users/:id',
      {
        config,
        bodyLimit: SMALL_BODY,
        schema: {
          tags,
          summary: 'Change a member’s role (the last admin stays admin)',
          params: IdParams,
          body: ChangeRoleBody,
          response: { 200: MemberView, ...errors },
        },
      },
      async (req) => {
        const p = principalOf(req);
        const m = await accounts.changeRole(
          operationContext(p, req.id),
          p.workspaceId,
          req.params.id,
          req.body.role,
        );
        return presentMember(m);
      },
    );

    r.delete(
      '/api/v1/users/:id',
      {
        config,
        schema: {
          tags,
          summary: 'Remove a member from your workspace (not the last admin); its sessions there end',
          params: IdParams,
          response: { 204: z.null().describe('Removed'), ...errors },
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        await accounts.removeMember(operationContext(p, req.id), p.workspaceId, req.params.id);
        return reply.code(204).send(null);
      },
    );
  }

  // Workspaces and their members.
  {
    const tags = ['workspaces'];

    r.get(
      '/api/v1/workspaces',
      {
        config: { authenticated: true },
        schema: {
          tags,
          summary: 'Your workspaces and your role in each (an API key: its own)',
          response: { 200: z.object({ items: z.array(WorkspaceView) }), ...errors },
        },
      },
      async (req) => ({ items: (await accounts.workspacesOf(principalOf(req))).map(presentWorkspace) }),
    );

    r.post(
      '/api/v1/workspaces',
      {
        config: { permission: 'workspaces:create' },
        bodyLimit: SMALL_BODY,
        schema: {
          tags,
          summary:
            'Create a workspace; you become its admin (switch to it with POST /api/v1/session/workspace)',
          body: CreateWorkspaceBody,
          response: { 201: WorkspaceView, ...errors },
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        if (p.actor.type !== 'user' || !p.actor.id) {
          throw new AppError(
            'forbidden',
            'only a signed-in user can create a workspace (it becomes its admin)',
          );
        }
        const ws = await accounts.createWorkspace(operationContext(p, req.id), p.actor.id, req.body.name);
        return reply
          .code(201)
          .header('location', `/api/v1/workspaces/${ws.id}/members`)
          .send(presentWorkspace(ws));
      },
    );

    r.get(
      '/api/v1/workspaces/:id/members',
      {
        config: { authenticated: true },
        schema: {
          tags,
          summary: 'The members of a workspace you administer',
          params: IdParams,
          response: { 200: MemberList, ...errors },
        },
      },
      async (req) => {
        const { workspaceId } = await administered(req, req.params.id);
        return { items: (await accounts.listMembers(workspaceId)).map(presentMember) };
      },
    );

    r.post(
      '/api/v1/workspaces/:id/members',
      {
        config: { authenticated: true },
        bodyLimit: SMALL_BODY,
        schema: {
          tags,
          summary: 'Add an existing account to a workspace you administer',
          params: IdParams,
          body: AddMemberBody,
          response: { 201: MemberView, ...errors },
        },
      },
      async (req, reply) => {
        const { ctx, workspaceId } = await administered(req, req.params.id);
        const m = await accounts.addMember(ctx, workspaceId, req.body);
        return reply.code(201).send(presentMember(m));
      },
    );

    r.patch(
      '/api/v1/workspaces/:id/members/:userId',
      {
        config: { authenticated: true },
        bodyLimit: SMALL_BODY,
        schema: {
          tags,
          summary: 'Change a member’s role (the last admin stays admin)',
          params: MemberParams,
          body: ChangeRoleBody,
          response: { 200: MemberView, ...errors },
        },
      },
      async (req) => {
        const { ctx, workspaceId } = await administered(req, req.params.id);
        return presentMember(await accounts.changeRole(ctx, workspaceId, req.params.userId, req.body.role));
      },
    );

    r.delete(
      '/api/v1/workspaces/:id/members/:userId',
      {
        config: { authenticated: true },
        schema: {
          tags,
          summary: 'Remove a member (not the last admin); its sessions there end',
          params: MemberParams,
          response: { 204: z.null().describe('Removed'), ...errors },
        },
      },
      async (req, reply) => {
        const { ctx, workspaceId } = await administered(req, req.params.id);
        await accounts.removeMember(ctx, workspaceId, req.params.userId);
        return reply.code(204).send(null);
      },
    );
  }
};

import type { Role } from './permissions.js';

/** Who is acting: recorded in the audit log. */
export interface Actor {
  type: 'api_key' | 'user' | 'system';
  id: string | null;
}

/** The authenticated caller of a request, scoped to one workspace. */
export interface Principal {
  workspaceId: string;
  role: Role;
  actor: Actor;
  /** Hash of the UI session id, when the caller is a signed-in browser. */
  sessionHash: string | null;
}

/** What a service needs to know about the caller of one operation. */
export interface OperationContext {
  workspaceId: string;
  actor: Actor;
  requestId: string | null;
  sessionHash?: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null };

export function operationContext(p: Principal, requestId: string | null): OperationContext {
  return { workspaceId: p.workspaceId, actor: p.actor, requestId, sessionHash: p.sessionHash };
}

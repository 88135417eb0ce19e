/** The signed-in session, shared by every screen (who, which workspace, which role). */
import { createContext, useContext } from 'react';
import type { Permission, SessionView } from './types.js';

export interface SessionState {
  session: SessionView;
  /** Viewers read only: screens hide or disable every write action. */
  canWrite: boolean;
  /** Whether the caller's role in this workspace has a permission (the server's own table). */
  can(permission: Permission): boolean;
  /** Work in another of my workspaces; screens start over in it. */
  switchWorkspace(workspaceId: string): Promise<void>;
  /** Ask the server again who I am (after my own role changed). */
  refresh(): Promise<void>;
  signOut(): void;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in screen');
  return s;
}

/** The redirect URI to register at a provider, before a credential exists. */
export function redirectUriOf(session: SessionView | null): string {
  return session?.redirectUri || `${window.location.origin}/oauth/callback`;
}

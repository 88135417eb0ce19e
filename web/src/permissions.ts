/**
 * Roles and permissions: the server's own table (`src/auth/permissions.ts`, pure data), bundled into the UI
 * so that screens show exactly the actions the API would allow.
 */
export { atMost, can, ROLES } from '../../src/auth/permissions.js';
import type { Role } from './types.js';

export const ROLE_LABEL: Record<Role, string> = { admin: 'Admin', editor: 'Editor', viewer: 'Viewer' };

/** What each role may do, in words. */
export const ROLE_SUMMARY: Record<Role, string> = {
  admin: 'Everything, including members, workspaces, API keys and webhooks.',
  editor: 'Credentials, tokens, the proxy, sources and destinations, API keys, webhooks and the audit log.',
  viewer: 'Reads credentials, sources and destinations; never a token, a secret or the audit log.',
};

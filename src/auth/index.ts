export { authPlugin, principalOf, rateLimitKey, type Authenticator } from './plugin.js';
export { createRateLimiter, type RateLimiter } from './rate-limit.js';
export {
  createAccountService,
  type AccountService,
  type MemberView,
  type WorkspaceView,
} from './accounts.js';
export { memberRoutes } from './member-routes.js';
export { apiKeyRoutes, presentApiKey } from './api-key-routes.js';
export { apiKeyAuthenticator, API_KEY_CACHE_MS, type ApiKeyAuthenticator } from './bearer.js';
export {
  createApiKey,
  ensureBootstrapApiKey,
  findApiKey,
  getApiKey,
  listApiKeys,
  revokeApiKey,
  hashApiKey,
  type ApiKeyRecord,
} from './api-keys.js';
export { ensureDefaultWorkspace, createWorkspace, DEFAULT_WORKSPACE_ID } from './workspaces.js';
export {
  ROLES,
  PERMISSIONS,
  ROLE_PERMISSIONS,
  atMost,
  can,
  type Role,
  type Permission,
} from './permissions.js';
export {
  SYSTEM_ACTOR,
  operationContext,
  type Actor,
  type Principal,
  type OperationContext,
} from './principal.js';
export {
  sessionAuthenticator,
  createSession,
  findSession,
  deleteSession,
  SESSION_COOKIE,
} from './sessions.js';
export { sessionRoutes } from './session-routes.js';
export { SessionView } from './schemas.js';
export {
  createUser,
  createFirstAdmin,
  countUsers,
  findUserByEmail,
  normaliseEmail,
  type UserRecord,
} from './users.js';
export { hashPassword, verifyPassword } from './passwords.js';
export { createThrottle, LOGIN_RULES } from './throttle.js';

export { oauthRoutes } from './routes.js';
export { createAuthorizationService, type AuthorizationService, type CallbackOutcome } from './service.js';
export {
  exchangeCode,
  refreshGrant,
  revokeAtProvider,
  type TokenSet,
  type TokenOutcome,
  type ClientCredentials,
} from './token-endpoint.js';
export { classifyProviderError, isTransient, type ProviderFailure } from './failures.js';
export { resolveScope, buildAuthorizationUrl, safeReturnTo } from './authorization-request.js';

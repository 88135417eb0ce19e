/** What the sandbox's route groups share; built once per sandbox by `createSandbox`. */
import type { FaultState } from './faults.js';
import { CLIENT_AUTH_METHODS, GRANT_TYPES, SCOPES } from './protocol.js';
import type { SessionStore } from './sessions.js';
import type { StatsRecorder } from './stats.js';
import type { SandboxStore } from './store.js';
import type { TokenService } from './token-service.js';

export interface SandboxContext {
  /** The issuer URL, without a trailing slash (read late: a standalone server learns its port on listen). */
  issuer(): string;
  clock: () => number;
  codeTtlS: number;
  store: SandboxStore;
  sessions: SessionStore;
  tokens: TokenService;
  stats: StatsRecorder;
  faults: FaultState;
}

/** RFC 8414 §2: the authorization server metadata, every URL derived from the issuer. */
export function authorizationServerMetadata(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    registration_endpoint: `${issuer}/register`,
    scopes_supported: [...SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...GRANT_TYPES],
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${issuer}/developer/api-settings`,
  };
}

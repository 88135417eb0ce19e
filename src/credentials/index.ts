export { credentialRoutes } from './routes.js';
export { createCredentialService, type CredentialService } from './service.js';
export { createCredentialRepository, type CredentialRow, type CredentialRepository } from './repository.js';
export { presentCredential } from './present.js';
export { nextStatus, isUsable, STATUSES, type CredentialStatus, type StatusEvent } from './status.js';
export * from './schemas.js';

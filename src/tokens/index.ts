export { createTokenService, type TokenService, type TokenView } from './service.js';
export { createRefresher, type Refresher } from './refresher.js';
export { createRevocation, type Revocation, type ProviderRevocation } from './revoke.js';
export { createConnectorTest, type TestResult } from './connector-test.js';
export { createLeaseStore, type LeaseStore, type Lease } from './lease.js';
export { tokenRoutes } from './routes.js';
export { refreshDueAt, handOutSkewMs, isFresh, DEFAULT_EXPIRES_IN_S } from './schedule.js';
export { tokenColumns } from './store.js';

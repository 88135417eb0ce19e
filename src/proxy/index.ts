export { proxyRoutes, type ProxyOptions } from './routes.js';
export { REPLAYABLE_BODY_BYTES } from './forward.js';
export { createProxyFastPath, type ProxyFastPath } from './fast-path.js';
export { proxyTarget } from './target.js';

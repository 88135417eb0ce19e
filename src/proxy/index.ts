export { proxyRoutes, REPLAYABLE_BODY_BYTES, type ProxyOptions } from './routes.js';
export { proxyTarget } from './target.js';

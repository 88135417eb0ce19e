/** Sources and destinations (DESIGN §5): records, preview, runs. The door of `src/sources/`. */
import type { FastifyPluginAsync } from 'fastify';
import { dataRoutes } from './routes.js';
import { runRoutes } from './run-routes.js';
import type { RunService } from './runs.js';
import type { SourceService } from './service.js';

export { createSourceService, type SourceService, type Target } from './service.js';
export { createRunService, type RunService, type RunHooks } from './runs.js';
export { createRunFiles, type RunFiles } from './run-files.js';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export * from './schemas.js';

/** Every route of sources, destinations and runs (one encapsulated plugin: the JSON Lines parser stays inside). */
export const sourcesRoutes: FastifyPluginAsync<{ sources: SourceService; runs: RunService }> = async (
  app,
  opts,
) => {
  await app.register(dataRoutes, { sources: opts.sources });
  await app.register(runRoutes, opts);
};

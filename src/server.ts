/**
 * Run the server: build the context and app, listen, start background work, and shut down cleanly on
 * SIGTERM/SIGINT (stop accepting, drain in-flight requests and background work, close the database).
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config/index.js';
import { createContext, type AppContext } from './context.js';

export interface RunningServer {
  app: FastifyInstance;
  ctx: AppContext;
  url: string;
  stop(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const ctx = await createContext(config, { processMetrics: true });
  let app: FastifyInstance;
  try {
    app = await buildApp(ctx);
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await ctx.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  ctx.log.info({ url, publicUrl: config.publicUrl, database: ctx.db.dialect }, 'latchkey listening');
  if (config.refresher) ctx.refresher.start();
  ctx.webhooks.start();
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await app.close();
      await ctx.close();
    })();
    return stopping;
  };
  return { app, ctx, url, stop };
}

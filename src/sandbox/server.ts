/** The sandbox alone on its own Fastify server (`latchkey sandbox`, tests that need it in another process). */
import type { AddressInfo } from 'node:net';
import fastify from 'fastify';
import { SANDBOX_ROUTE } from './http.js';
import { createSandboxWithIssuer, normalizeIssuer, type Sandbox, type SandboxOptions } from './sandbox.js';

export const DEFAULT_PREFIX = '/sandbox/2ememain';

export interface SandboxServerOptions extends Omit<SandboxOptions, 'issuer'> {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: any free port (the URL tells which). */
  port?: number;
  /** Default `http://<host>:<port><prefix>`; set it when the sandbox is reached through another address. */
  issuer?: string;
  /** Where the sandbox is mounted; default `/sandbox/2ememain`, as inside Latchkey. */
  prefix?: string;
  /** Fastify's request logging; default off. */
  logger?: boolean;
}

export interface SandboxServer {
  /** The issuer: the sandbox's base URL, e.g. `http://127.0.0.1:41234/sandbox/2ememain`. */
  url: string;
  sandbox: Sandbox;
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Start a server that serves only the sandbox (and RFC 8414 §3.1 path-inserted metadata at its root). */
export async function startSandboxServer(options: SandboxServerOptions = {}): Promise<SandboxServer> {
  const {
    host = '127.0.0.1',
    port = 0,
    prefix = DEFAULT_PREFIX,
    logger = false,
    issuer: fixedIssuer,
    ...sandboxOptions
  } = options;
  let issuer = fixedIssuer === undefined ? '' : normalizeIssuer(fixedIssuer);
  const sandbox = createSandboxWithIssuer(sandboxOptions, () => issuer);
  const app = fastify({ logger });
  try {
    await app.register(sandbox.plugin, { prefix });
    app.get(`/.well-known/oauth-authorization-server${prefix}`, SANDBOX_ROUTE, async () =>
      sandbox.metadata(),
    );
    if (prefix) app.get('/', SANDBOX_ROUTE, async (_req, reply) => reply.redirect(`${prefix}/`, 302));
    await app.listen({ host, port });
  } catch (err) {
    await app.close().catch(() => {});
    await sandbox.close().catch(() => {});
    throw err;
  }
  if (!issuer) issuer = `http://${urlHost(host)}:${(app.server.address() as AddressInfo).port}${prefix}`;
  return {
    url: issuer,
    sandbox,
    async close() {
      await app.close();
      await sandbox.close();
    },
  };
}

/** `createSandbox`: one sandbox (state, counters, faults) and the Fastify plugin that serves it. */
import type { FastifyPluginAsync } from 'fastify';
import { apiRoutes } from './api-routes.js';
import { authorizeRoutes } from './authorize-routes.js';
import { authorizationServerMetadata, type SandboxContext } from './context.js';
import { controlRoutes } from './control-routes.js';
import { developerRoutes } from './developer-routes.js';
import { FaultState, type SandboxFaults, type SandboxFaultsInput } from './faults.js';
import { installFormParser, sendHtml } from './http.js';
import { oauthRoutes } from './oauth-routes.js';
import { errorPage } from './pages.js';
import { createPersistence, loadState, type Persistence } from './persistence.js';
import { SessionStore } from './sessions.js';
import { StatsRecorder, type SandboxStats } from './stats.js';
import { SandboxStore } from './store.js';
import { TokenService } from './token-service.js';

export interface SandboxOptions {
  /** Absolute base URL of the sandbox, e.g. `http://127.0.0.1:3000/sandbox/2ememain`; every URL it announces derives from it. */
  issuer: string;
  /** Access-token lifetime in seconds (`expires_in`); default 3600. */
  accessTokenTtlS?: number;
  /** A refresh token unused this long (seconds) expires; default 30 days. */
  refreshTokenIdleTtlS?: number;
  /** Authorization-code lifetime in seconds; default 60. */
  codeTtlS?: number;
  /** How many seeded advertisements the demo user has; default 250. */
  advertisements?: number;
  /** JSON file keeping registered applications, tokens and advertisements across restarts. */
  statePath?: string;
  /** Serve the `/_control/*` endpoints (stats, reset, faults, expire-access-tokens); default false. */
  controls?: boolean;
  /** The time in ms; default `Date.now`. */
  clock?: () => number;
}

export interface Sandbox {
  /** Register on any Fastify app, e.g. with `{ prefix: '/sandbox/2ememain' }`; fully encapsulated. */
  readonly plugin: FastifyPluginAsync;
  /** The issuer URL (no trailing slash). */
  readonly issuer: string;
  /** The counters since creation or the last `reset()`. */
  stats(): SandboxStats;
  /** Zero the counters (faults and state are kept). */
  reset(): void;
  /** Inject faults at the token endpoint and/or override the access-token lifetime; returns the new faults. */
  setFaults(faults: SandboxFaultsInput): SandboxFaults;
  /** Make every live access token expired now; returns how many. */
  expireAccessTokens(): number;
  /**
   * The RFC 8414 metadata, for a host that also serves it at the path-inserted address of RFC 8414 §3.1
   * (`/.well-known/oauth-authorization-server/sandbox/2ememain`), which a prefixed plugin cannot.
   */
  metadata(): ReturnType<typeof authorizationServerMetadata>;
  /** Write pending state to `statePath` (if any). */
  close(): Promise<void>;
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min)
    throw new TypeError(`sandbox option ${name} must be an integer ≥ ${min}`);
  return value;
}

/** An absolute http(s) URL without query or fragment, trailing slashes removed. */
export function normalizeIssuer(issuer: string): string {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new TypeError(`sandbox option issuer must be an absolute URL, got "${issuer}"`);
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.search ||
    url.hash ||
    issuer.includes('#')
  ) {
    throw new TypeError('sandbox option issuer must be an http(s) URL without query or fragment');
  }
  return issuer.replace(/\/+$/, '');
}

/** Like `createSandbox`, with an issuer read late (a standalone server knows its port only once listening). */
export function createSandboxWithIssuer(
  options: Omit<SandboxOptions, 'issuer'>,
  issuer: () => string,
): Sandbox {
  const clock = options.clock ?? Date.now;
  const accessTokenTtlS = positiveInt('accessTokenTtlS', options.accessTokenTtlS, 3600);
  const refreshTokenIdleTtlS = positiveInt(
    'refreshTokenIdleTtlS',
    options.refreshTokenIdleTtlS,
    30 * 24 * 3600,
  );
  const codeTtlS = positiveInt('codeTtlS', options.codeTtlS, 60);
  const advertisements = positiveInt('advertisements', options.advertisements, 250, 0);

  let persistence: Persistence | undefined;
  const store = new SandboxStore({
    clock,
    advertisements,
    initial: options.statePath ? loadState(options.statePath) : null,
    onChange: () => persistence?.schedule(),
  });
  if (options.statePath) persistence = createPersistence(options.statePath, () => store.snapshot());

  const stats = new StatsRecorder();
  const faults = new FaultState();
  const ctx: SandboxContext = {
    issuer,
    clock,
    codeTtlS,
    store,
    sessions: new SessionStore(clock),
    tokens: new TokenService({ store, stats, faults, clock, accessTokenTtlS, refreshTokenIdleTtlS }),
    stats,
    faults,
  };
  const reset = () => stats.reset();
  const expireAccessTokens = () => store.expireAccessTokens();

  const plugin: FastifyPluginAsync = async (app) => {
    installFormParser(app);
    app.setNotFoundHandler((req, reply) => {
      if ((req.headers.accept ?? '').includes('text/html')) {
        return sendHtml(reply, 404, errorPage('Not found', 'The sandbox has no page at this address.'));
      }
      return reply
        .code(404)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify({ error: 'not_found', error_description: 'no such endpoint in the sandbox' }));
    });
    await app.register(developerRoutes(ctx));
    await app.register(authorizeRoutes(ctx));
    await app.register(oauthRoutes(ctx));
    await app.register(apiRoutes(ctx), { prefix: '/api/v1' });
    if (options.controls)
      await app.register(controlRoutes(ctx, { reset, expireAccessTokens }), { prefix: '/_control' });
  };

  return {
    plugin,
    get issuer() {
      return issuer();
    },
    stats: () => stats.snapshot(),
    reset,
    setFaults: (input) => faults.set(input),
    expireAccessTokens,
    metadata: () => authorizationServerMetadata(issuer()),
    close: async () => {
      await persistence?.flush();
    },
  };
}

/** Create a sandbox; see index.ts for what it serves. */
export function createSandbox(options: SandboxOptions): Sandbox {
  const issuer = normalizeIssuer(options.issuer);
  return createSandboxWithIssuer(options, () => issuer);
}

/**
 * Configuration: the environment variables of DESIGN §2, validated in one place.
 * An invalid value stops start-up with one line that names the variable.
 */
import path from 'node:path';
import { z } from 'zod';

const boolFlag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

const masterKeys = z
  .string()
  .min(1)
  .transform((raw, ctx) => {
    const out: { id: string; key: string }[] = [];
    for (const part of raw.split(',')) {
      const idx = part.indexOf(':');
      if (idx <= 0) {
        ctx.addIssue({ code: 'custom', message: 'expected id1:base64,id2:base64' });
        return z.NEVER;
      }
      out.push({ id: part.slice(0, idx).trim(), key: part.slice(idx + 1).trim() });
    }
    return out;
  });

/** The variables, each with its default. Order is the order of DESIGN §2. */
const EnvSchema = z.object({
  PORT: port.default(3000),
  LATCHKEY_HOST: z.string().min(1).default('127.0.0.1'),
  LATCHKEY_PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  LATCHKEY_DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'expected sqlite:PATH or postgres://…')
    .default('sqlite:./data/latchkey.db'),
  LATCHKEY_DATA_DIR: z.string().min(1).default('./data'),
  LATCHKEY_MASTER_KEY: z.string().min(1).optional(),
  LATCHKEY_MASTER_KEYS: masterKeys.optional(),
  LATCHKEY_CONNECTORS_DIR: z.string().min(1).optional(),
  LATCHKEY_BOOTSTRAP_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  LATCHKEY_BOOTSTRAP_ADMIN_EMAIL: z.email().optional(),
  LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  LATCHKEY_SANDBOX: boolFlag.default(false),
  LATCHKEY_SANDBOX_TOKEN_TTL_S: positiveInt.default(3600),
  LATCHKEY_SANDBOX_CONTROLS: boolFlag.default(false),
  LATCHKEY_SANDBOX_ADVERTISEMENTS: z.coerce.number().int().min(0).max(100_000).default(250),
  LATCHKEY_REFRESH_AHEAD_S: positiveInt.default(300),
  LATCHKEY_KEEPALIVE_DAYS: positiveInt.default(7),
  LATCHKEY_REFRESHER: boolFlag.default(true),
  LATCHKEY_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  LATCHKEY_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  LATCHKEY_TRUST_PROXY: boolFlag.default(false),
  LATCHKEY_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(0).max(10_000_000).default(6000),
  LATCHKEY_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  redirectUri: string;
  database: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
  dataDir: string;
  masterKeys: { id: string; key: string }[] | null;
  connectorsDir: string | null;
  bootstrapApiKey: string | null;
  bootstrapAdmin: { email: string; password: string } | null;
  sandbox: { enabled: boolean; tokenTtlS: number; advertisements: number; controls: boolean };
  refreshAheadS: number;
  keepaliveDays: number;
  refresher: boolean;
  /** Deadline of one call to a provider's token or revocation endpoint. */
  providerTimeoutMs: number;
  /** Proxy: time to the upstream API's response headers, and the longest pause inside its body. */
  upstreamTimeoutMs: number;
  trustProxy: boolean;
  /**
   * Requests a minute per API key, per signed-in user, and per client address for unauthenticated
   * requests (a token bucket in each process's memory; 0 turns the limit off).
   */
  rateLimitPerMin: number;
  /** When set, GET /metrics needs `Authorization: Bearer <this>`. */
  metricsToken: string | null;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`invalid configuration: ${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

/** Read and validate configuration from an environment object (process.env by default). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = EnvSchema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(variable, issue.message);
  }
  const e = parsed.data;
  if (e.LATCHKEY_MASTER_KEY && e.LATCHKEY_MASTER_KEYS) {
    throw new ConfigError(
      'LATCHKEY_MASTER_KEYS',
      'set either LATCHKEY_MASTER_KEY or LATCHKEY_MASTER_KEYS, not both',
    );
  }
  if (
    (e.LATCHKEY_BOOTSTRAP_ADMIN_EMAIL === undefined) !==
    (e.LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD === undefined)
  ) {
    throw new ConfigError(
      e.LATCHKEY_BOOTSTRAP_ADMIN_EMAIL
        ? 'LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD'
        : 'LATCHKEY_BOOTSTRAP_ADMIN_EMAIL',
      'set both LATCHKEY_BOOTSTRAP_ADMIN_EMAIL and LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD',
    );
  }
  const publicUrl = e.LATCHKEY_PUBLIC_URL ?? `http://${hostForUrl(e.LATCHKEY_HOST)}:${e.PORT}`;
  const dbUrl = e.LATCHKEY_DATABASE_URL;
  const database: Config['database'] = dbUrl.startsWith('sqlite:')
    ? { kind: 'sqlite', path: dbUrl.slice('sqlite:'.length) }
    : { kind: 'postgres', url: dbUrl };
  const masterKeys = e.LATCHKEY_MASTER_KEYS
    ? e.LATCHKEY_MASTER_KEYS
    : e.LATCHKEY_MASTER_KEY
      ? [{ id: '', key: e.LATCHKEY_MASTER_KEY }]
      : null;
  return {
    port: e.PORT,
    host: e.LATCHKEY_HOST,
    publicUrl,
    redirectUri: `${publicUrl}/oauth/callback`,
    database,
    dataDir: path.resolve(e.LATCHKEY_DATA_DIR),
    masterKeys,
    connectorsDir: e.LATCHKEY_CONNECTORS_DIR ? path.resolve(e.LATCHKEY_CONNECTORS_DIR) : null,
    bootstrapApiKey: e.LATCHKEY_BOOTSTRAP_API_KEY ?? null,
    bootstrapAdmin:
      e.LATCHKEY_BOOTSTRAP_ADMIN_EMAIL && e.LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD
        ? { email: e.LATCHKEY_BOOTSTRAP_ADMIN_EMAIL, password: e.LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD }
        : null,
    sandbox: {
      enabled: e.LATCHKEY_SANDBOX,
      tokenTtlS: e.LATCHKEY_SANDBOX_TOKEN_TTL_S,
      advertisements: e.LATCHKEY_SANDBOX_ADVERTISEMENTS,
      controls: e.LATCHKEY_SANDBOX_CONTROLS,
    },
    refreshAheadS: e.LATCHKEY_REFRESH_AHEAD_S,
    keepaliveDays: e.LATCHKEY_KEEPALIVE_DAYS,
    refresher: e.LATCHKEY_REFRESHER,
    providerTimeoutMs: e.LATCHKEY_PROVIDER_TIMEOUT_MS,
    upstreamTimeoutMs: e.LATCHKEY_UPSTREAM_TIMEOUT_MS,
    trustProxy: e.LATCHKEY_TRUST_PROXY,
    rateLimitPerMin: e.LATCHKEY_RATE_LIMIT_PER_MIN,
    metricsToken: e.LATCHKEY_METRICS_TOKEN ?? null,
    logLevel: e.LOG_LEVEL,
  };
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** The names of every variable, for docs and tests. */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape);

/**
 * The process's dependencies, built once from the config: database (migrated), vault, catalog, services.
 * `buildApp` turns a context into a Fastify instance; the CLI commands use contexts too.
 */
import { createAuditService, type AuditService } from './audit/index.js';
import {
  apiKeyAuthenticator,
  createAccountService,
  createFirstAdmin,
  ensureBootstrapApiKey,
  ensureDefaultWorkspace,
  type AccountService,
  type ApiKeyAuthenticator,
} from './auth/index.js';
import type { Config } from './config/index.js';
import { loadCatalog, type Catalog } from './connectors/index.js';
import { createCredentialService, type CredentialService } from './credentials/index.js';
import { migrate, openDatabase, type Db } from './db/index.js';
import { createLogger, type Logger } from './logging/index.js';
import { createAuthorizationService, type AuthorizationService } from './oauth/index.js';
import { createOutbound, type Outbound } from './outbound/index.js';
import {
  createConnectorTest,
  createRefresher,
  createRevocation,
  createTokenService,
  type Refresher,
  type Revocation,
  type TestResult,
  type TokenService,
} from './tokens/index.js';
import type { OperationContext } from './auth/index.js';
import { createWebhookService, type WebhookService } from './webhooks/index.js';
import { createMetrics, type Metrics } from './metrics/index.js';
import { createSandbox, sandboxConnector, type Sandbox } from './sandbox/index.js';
import {
  createRunFiles,
  createRunService,
  createSourceService,
  DEFAULT_RETRY,
  type RunService,
  type SourceService,
} from './sources/index.js';
import path from 'node:path';
import { loadVault, type LoadedVault, type Vault } from './vault/index.js';

export interface AppContext {
  config: Config;
  log: Logger;
  db: Db;
  vault: Vault;
  vaultInfo: Omit<LoadedVault, 'vault'>;
  catalog: Catalog;
  audit: AuditService;
  credentials: CredentialService;
  authorization: AuthorizationService;
  tokens: TokenService;
  revocation: Revocation;
  refresher: Refresher;
  testCredential: (ctx: OperationContext, id: string) => Promise<TestResult>;
  webhooks: WebhookService;
  /** Sources and destinations (CRUD, test, preview). */
  sources: SourceService;
  /** Their runs, executed in this process in the background. */
  runs: RunService;
  /** The built-in 2ememain sandbox provider, when LATCHKEY_SANDBOX is on. */
  sandbox: Sandbox | null;
  outbound: Outbound;
  defaultWorkspaceId: string;
  metrics: Metrics;
  /** Authenticates API keys (with a short cache; `forget` after a revocation). */
  apiKeyAuth: ApiKeyAuthenticator;
  /** Accounts, memberships and workspaces. */
  accounts: AccountService;
  /** Run on close, last registered first. */
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
}

export interface ContextOptions {
  log?: Logger;
  /** Run migrations (default true). */
  migrate?: boolean;
  /** Override the database pool size. */
  poolSize?: number;
  /** Also export the process's own metrics (CPU, memory, event loop): on for a server, off for tools and tests. */
  processMetrics?: boolean;
}

export async function createContext(config: Config, options: ContextOptions = {}): Promise<AppContext> {
  const log = options.log ?? createLogger(config.logLevel);
  const loaded = loadVault(config);
  if (loaded.generated) {
    log.warn(
      { file: loaded.file },
      'generated a new master key; back it up (without it the stored secrets cannot be opened) or set LATCHKEY_MASTER_KEY',
    );
  }
  const catalog = loadCatalog({ extraDir: config.connectorsDir });
  let sandbox: Sandbox | null = null;
  if (config.sandbox.enabled) {
    const issuer = `${config.publicUrl}/sandbox/2ememain`;
    sandbox = createSandbox({
      issuer,
      accessTokenTtlS: config.sandbox.tokenTtlS,
      advertisements: config.sandbox.advertisements,
      controls: config.sandbox.controls,
      statePath: path.join(config.dataDir, 'sandbox-2ememain.json'),
    });
    catalog.add(sandboxConnector(issuer), 'sandbox');
  }
  const db = openDatabase(config.database, { poolSize: options.poolSize });
  const closers: (() => Promise<void> | void)[] = [() => db.destroy()];
  if (sandbox) closers.push(() => sandbox.close());
  try {
    if (options.migrate !== false) {
      const applied = await migrate(db);
      if (applied.length) log.info({ migrations: applied }, 'database migrated');
    }
    const defaultWorkspaceId = await ensureDefaultWorkspace(db);
    if (config.bootstrapApiKey) await ensureBootstrapApiKey(db, defaultWorkspaceId, config.bootstrapApiKey);
    if (config.bootstrapAdmin) {
      const created = await createFirstAdmin(db, {
        ...config.bootstrapAdmin,
        workspaceId: defaultWorkspaceId,
      });
      if (created)
        log.info({ email: created.email }, 'created the admin account from LATCHKEY_BOOTSTRAP_ADMIN_EMAIL');
    }
    const audit = createAuditService({ db, onError: (err) => log.error({ err }, 'audit write failed') });
    closers.push(() => audit.flush());
    const credentials = createCredentialService({
      db,
      vault: loaded.vault,
      catalog,
      audit,
      redirectUri: config.redirectUri,
    });
    const outbound = createOutbound({
      connectTimeoutMs: Math.min(5_000, config.providerTimeoutMs),
      headersTimeoutMs: config.providerTimeoutMs,
      bodyTimeoutMs: config.providerTimeoutMs,
    });
    closers.push(() => outbound.close());
    const metrics = createMetrics(db, { defaultMetrics: options.processMetrics ?? false });
    const tokens = createTokenService({
      metrics,
      db,
      vault: loaded.vault,
      catalog,
      repo: credentials.repo,
      audit,
      outbound,
      log,
      refreshAheadMs: config.refreshAheadS * 1000,
      keepaliveMs: config.keepaliveDays * 86_400_000,
      providerTimeoutMs: config.providerTimeoutMs,
    });
    const authorization = createAuthorizationService({
      db,
      vault: loaded.vault,
      catalog,
      repo: credentials.repo,
      audit,
      outbound,
      publicUrl: config.publicUrl,
      redirectUri: config.redirectUri,
      refreshAheadMs: config.refreshAheadS * 1000,
      keepaliveMs: config.keepaliveDays * 86_400_000,
      providerTimeoutMs: config.providerTimeoutMs,
      log,
      tokensChanged: (id) => tokens.invalidate(id),
    });
    const revocation = createRevocation({
      db,
      vault: loaded.vault,
      catalog,
      repo: credentials.repo,
      audit,
      outbound,
      log,
      providerTimeoutMs: config.providerTimeoutMs,
      invalidate: (id) => tokens.invalidate(id),
    });
    credentials.onBeforeDelete((ctx, row) => revocation.beforeDelete(ctx, row));
    const testCredential = createConnectorTest({
      catalog,
      repo: credentials.repo,
      tokens,
      audit,
      outbound,
      timeoutMs: config.providerTimeoutMs,
    });
    const refresher = createRefresher({
      tokens,
      leases: tokens.leases,
      log,
      onClaimLag: (s) => metrics.refresherLagSeconds.observe(s),
    });
    closers.push(() => refresher.stop());
    closers.push(() => tokens.close());
    const webhooks = createWebhookService({ db, vault: loaded.vault, audit, outbound, log });
    closers.push(() => webhooks.stop());
    const runFiles = createRunFiles(config.dataDir);
    const upstream = {
      outbound,
      tokens,
      timeoutMs: config.upstreamTimeoutMs,
      retry: DEFAULT_RETRY,
      clock: Date.now,
    };
    const sources = createSourceService({
      db,
      catalog,
      credentials: credentials.repo,
      audit,
      testCredential,
      upstream,
      files: runFiles,
    });
    const runs = createRunService({ repo: sources.repo, files: runFiles, upstream, audit, log });
    // Closed first (closers run last-registered first): runs stop before the outbound pool and database.
    closers.push(() => runs.shutdown());
    const interrupted = await runs.recover();
    if (interrupted) log.warn({ runs: interrupted }, 'marked runs of stopped processes as interrupted');
    const { vault, ...vaultInfo } = loaded;
    let closed = false;
    return {
      config,
      log,
      db,
      vault,
      vaultInfo,
      catalog,
      audit,
      credentials,
      authorization,
      tokens,
      revocation,
      refresher,
      testCredential,
      webhooks,
      sources,
      runs,
      sandbox,
      outbound,
      defaultWorkspaceId,
      metrics,
      apiKeyAuth: apiKeyAuthenticator(db),
      accounts: createAccountService({ db, audit }),
      onClose: (fn) => void closers.push(fn),
      async close() {
        if (closed) return;
        closed = true;
        for (const fn of closers.reverse()) await fn();
      },
    };
  } catch (err) {
    await db.destroy().catch(() => {});
    throw err;
  }
}

/**
 * The process's dependencies, built once from the config: database (migrated), vault, catalog, services.
 * `buildApp` turns a context into a Fastify instance; the CLI commands use contexts too.
 */
import { createAuditService, type AuditService } from './audit/index.js';
import { createFirstAdmin, ensureBootstrapApiKey, ensureDefaultWorkspace } from './auth/index.js';
import type { Config } from './config/index.js';
import { loadCatalog, type Catalog } from './connectors/index.js';
import { createCredentialService, type CredentialService } from './credentials/index.js';
import { migrate, openDatabase, type Db } from './db/index.js';
import { createLogger, type Logger } from './logging/index.js';
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
  defaultWorkspaceId: string;
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
  const db = openDatabase(config.database, { poolSize: options.poolSize });
  const closers: (() => Promise<void> | void)[] = [() => db.destroy()];
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
    const audit = createAuditService({ db });
    const credentials = createCredentialService({
      db,
      vault: loaded.vault,
      catalog,
      audit,
      redirectUri: config.redirectUri,
    });
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
      defaultWorkspaceId,
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

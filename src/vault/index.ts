/** The vault door: load the keyring the configuration names, seal/open, rotation. */
import fs from 'node:fs';
import type { Config } from '../config/index.js';
import {
  generateKey,
  keyFilePath,
  keyringFromEntries,
  KeyringError,
  readKeyFile,
  writeKeyFile,
  type Keyring,
} from './keyring.js';
import { Vault } from './vault.js';

export { Vault, VaultError, aadFor } from './vault.js';
export { KeyringError, addActiveKeyToFile, keyFilePath, type Keyring } from './keyring.js';
export { resealAll, countByKey, type RotationReport } from './rotate.js';

export interface LoadedVault {
  vault: Vault;
  source: 'env' | 'file';
  /** The key file, when the keyring lives in one. */
  file: string | null;
  /** True when this start generated a new key file. */
  generated: boolean;
}

/**
 * Load the keyring: LATCHKEY_MASTER_KEYS / LATCHKEY_MASTER_KEY, else `<data dir>/master.key`,
 * generated on the embedded default's first start. A cluster (PostgreSQL) never generates a key:
 * each process would make its own.
 */
export function loadVault(config: Config, options: { allowGenerate?: boolean } = {}): LoadedVault {
  if (config.masterKeys) {
    const variable = config.masterKeys[0]?.id === '' ? 'LATCHKEY_MASTER_KEY' : 'LATCHKEY_MASTER_KEYS';
    return {
      vault: new Vault(keyringFromEntries(config.masterKeys, variable)),
      source: 'env',
      file: null,
      generated: false,
    };
  }
  const file = keyFilePath(config.dataDir);
  let generated = false;
  if (!fs.existsSync(file)) {
    const allow = options.allowGenerate ?? config.database.kind === 'sqlite';
    if (!allow) {
      throw new KeyringError(
        'LATCHKEY_MASTER_KEY',
        'LATCHKEY_MASTER_KEY (or LATCHKEY_MASTER_KEYS) is required with PostgreSQL: every process of a cluster needs the same key',
      );
    }
    writeKeyFile(file, [generateKey()]);
    generated = true;
  }
  let mtime = fs.statSync(file).mtimeMs;
  const reload = (): Keyring | null => {
    try {
      const now = fs.statSync(file).mtimeMs;
      if (now === mtime) return null;
      mtime = now;
      return readKeyFile(file);
    } catch {
      return null;
    }
  };
  return { vault: new Vault(readKeyFile(file), { reload }), source: 'file', file, generated };
}

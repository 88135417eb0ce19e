import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_credential_change_notify.js';

/** Every migration, in order. Add new ones here with the next number. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_credential_change_notify': m0002,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

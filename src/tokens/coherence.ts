/**
 * Keeping every process's token cache true to the database without a query per hand-out.
 * - SQLite (one process): `PRAGMA data_version` tells whether another connection wrote; if so the whole
 *   cache is dropped. Writes by this process go through the token service, which updates its cache.
 * - PostgreSQL (a cluster): a dedicated connection LISTENs on `latchkey_credentials`, where a trigger announces
 *   every change of a credential's token version or status at commit; the entry is dropped. While that
 *   connection is down, `trusted()` is false and every hand-out checks the row (the version column) instead.
 */
import pg from 'pg';
import type { Db } from '../db/index.js';
import type { Logger } from '../logging/index.js';

export interface CacheCoherence {
  /** Whether cached entries may be served without reading the row; may drop entries first. */
  trusted(): boolean;
  close(): Promise<void>;
}

export const CREDENTIALS_CHANNEL = 'latchkey_credentials';

export function createCoherence(
  db: Db,
  log: Logger,
  invalidate: (id: string | null) => void,
): CacheCoherence {
  if (db.changedElsewhere) {
    const changed = db.changedElsewhere;
    return {
      trusted() {
        if (changed()) invalidate(null);
        return true;
      },
      close: async () => {},
    };
  }
  return postgresCoherence(db.url!, log, invalidate);
}

function postgresCoherence(
  url: string,
  log: Logger,
  invalidate: (id: string | null) => void,
): CacheCoherence {
  let client: pg.Client | null = null;
  let listening = false;
  let closed = false;
  let retryMs = 500;
  let timer: NodeJS.Timeout | null = null;

  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (msg) => {
      if (msg.channel === CREDENTIALS_CHANNEL && msg.payload) invalidate(msg.payload);
    });
    c.on('error', () => lost(c));
    c.on('end', () => lost(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${CREDENTIALS_CHANNEL}`);
      if (closed) {
        await c.end();
        return;
      }
      client = c;
      // Anything may have changed while we were not listening.
      invalidate(null);
      listening = true;
      retryMs = 500;
    } catch {
      lost(c);
    }
  };

  const lost = (c: pg.Client) => {
    if (client && client !== c) return;
    if (listening)
      log.warn(
        'cache notifications lost; checking every token hand-out against the database until they return',
      );
    listening = false;
    client = null;
    void c.end().catch(() => {});
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, retryMs);
    timer.unref?.();
    retryMs = Math.min(retryMs * 2, 10_000);
  };

  void connect();
  return {
    trusted: () => listening,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      listening = false;
      await client?.end().catch(() => {});
      client = null;
    },
  };
}

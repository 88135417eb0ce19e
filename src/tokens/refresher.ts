/**
 * The proactive refresher: a loop in every process that claims due credentials (see lease.ts, with
 * `FOR UPDATE SKIP LOCKED` on PostgreSQL) and renews them with bounded concurrency, so that callers rarely
 * wait. `stop()` ends the loop and waits for the refreshes in flight (SIGTERM drains).
 */
import type { Logger } from '../logging/index.js';
import type { LeaseStore } from './lease.js';
import type { TokenService } from './service.js';

export interface RefresherOptions {
  tokens: TokenService;
  leases: LeaseStore;
  log: Logger;
  /** Between ticks, ±20 % jitter (default 2 s). */
  intervalMs?: number;
  /** Credentials claimed per tick (default 100). */
  batch?: number;
  /** Refreshes in flight at once (default 8). */
  concurrency?: number;
  clock?: () => number;
  /** Observes how late each claimed credential was (claim time minus its due time). */
  onClaimLag?: (seconds: number) => void;
}

export interface Refresher {
  start(): void;
  /** One pass: claim due credentials and refresh them; resolves when done. Returns how many were claimed. */
  tick(): Promise<number>;
  stop(): Promise<void>;
  readonly running: boolean;
  /** Refreshes attempted since start. */
  readonly attempted: number;
}

export function createRefresher(o: RefresherOptions): Refresher {
  const clock = o.clock ?? Date.now;
  const intervalMs = o.intervalMs ?? 2_000;
  const batch = o.batch ?? 100;
  const concurrency = o.concurrency ?? 8;
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let current: Promise<number> | null = null;
  let attempted = 0;

  async function tick(): Promise<number> {
    const now = clock();
    const claimed = await o.leases.claimDue(o.tokens.owner, now, o.tokens.leaseMs, batch);
    for (const l of claimed)
      if (l.row.refresh_due_at !== null) o.onClaimLag?.(Math.max(0, now - l.row.refresh_due_at) / 1000);
    let next = 0;
    const worker = async () => {
      while (next < claimed.length) {
        const lease = claimed[next++]!;
        attempted++;
        try {
          await o.tokens.refreshClaimed(lease);
        } catch (err) {
          o.log.error({ err, credentialId: lease.credentialId }, 'refresher: unexpected error');
          await o.leases.release(lease).catch(() => {});
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, claimed.length) }, worker));
    return claimed.length;
  }

  function schedule(delay: number): void {
    if (!running) return;
    timer = setTimeout(() => {
      timer = null;
      current = tick()
        .catch((err: unknown) => {
          o.log.warn({ err: { message: (err as Error).message } }, 'refresher pass failed; retrying');
          return 0;
        })
        .finally(() => {
          current = null;
        });
      // A full batch means more may be due: go again at once.
      void current.then((n) => schedule(n >= batch ? 0 : intervalMs * (0.8 + 0.4 * Math.random())));
    }, delay);
    timer.unref?.();
  }

  return {
    start() {
      if (running) return;
      running = true;
      schedule(intervalMs * Math.random());
    },
    tick,
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      if (current) await current;
    },
    get running() {
      return running;
    },
    get attempted() {
      return attempted;
    },
  };
}

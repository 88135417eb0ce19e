/**
 * Optional persistence of the sandbox state to one JSON file, so that a restart keeps registered
 * applications and issued tokens. Writes are debounced and atomic (a temporary file renamed over the old
 * one), never concurrent; a failed background write is reported by the next `flush()`.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { PersistedState } from './store.js';

const StateFileSchema = z.object({
  version: z.literal(1),
  clients: z.array(
    z.object({ clientId: z.string(), secretDigest: z.string(), redirectUris: z.array(z.string()) }).loose(),
  ),
  families: z.array(z.object({ id: z.string(), clientId: z.string() }).loose()),
  tokens: z.array(
    z.object({ digest: z.string(), kind: z.enum(['access', 'refresh']), familyId: z.string() }).loose(),
  ),
  advertisements: z.object({
    seedCount: z.number().int().min(0),
    items: z.array(z.object({ itemId: z.string() }).loose()),
  }),
});

/** Read the state file; null when it does not exist yet. Throws, naming the file, when it is unreadable. */
export function loadState(file: string): PersistedState | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the sandbox state file ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`the sandbox state file ${file} is not valid JSON; remove it to start afresh`);
  }
  const parsed = StateFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `the sandbox state file ${file} has an unexpected shape (${parsed.error.issues[0]?.message}); remove it to start afresh`,
    );
  }
  return json as PersistedState;
}

export interface Persistence {
  /** Note a change; the state is written shortly after (debounced). */
  schedule(): void;
  /** Write pending changes now; rejects if this or an earlier background write failed. */
  flush(): Promise<void>;
}

export function createPersistence(
  file: string,
  snapshot: () => PersistedState,
  debounceMs = 100,
): Persistence {
  let timer: NodeJS.Timeout | undefined;
  let dirty = false;
  let writing: Promise<void> = Promise.resolve();
  let failure: Error | undefined;

  async function write(): Promise<void> {
    dirty = false;
    const data = `${JSON.stringify(snapshot())}\n`;
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.writeFile(tmp, data, { mode: 0o600 });
      await fs.promises.rename(tmp, file);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true }).catch(() => {});
      throw err;
    }
  }

  function enqueue(): Promise<void> {
    writing = writing.then(write).catch((err: Error) => {
      failure = err;
    });
    return writing;
  }

  return {
    schedule() {
      dirty = true;
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        void enqueue();
      }, debounceMs);
      timer.unref();
    },
    async flush() {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      if (dirty) await enqueue();
      else await writing;
      if (failure) {
        const err = failure;
        failure = undefined;
        throw new Error(`cannot write the sandbox state file ${file}: ${err.message}`);
      }
    },
  };
}

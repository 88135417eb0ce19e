/**
 * Run files under `<LATCHKEY_DATA_DIR>/runs/` (folder 0700, files 0600): a source run's records
 * (`<runId>.jsonl`), a destination run's input (`<runId>.input.jsonl`) and per-record results
 * (`<runId>.results.jsonl`). Files are written by the process that runs the run; in a cluster, share the data
 * folder or read a run's files from the process that ran it.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

export type RunFileKind = 'records' | 'input' | 'results';

const SUFFIX: Record<RunFileKind, string> = {
  records: '.jsonl',
  input: '.input.jsonl',
  results: '.results.jsonl',
};
const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Appends text in call order; a failed write fails every later one. */
export class Appender {
  #chain: Promise<void> = Promise.resolve();
  constructor(private readonly fh: fsp.FileHandle) {}

  write(text: string): Promise<void> {
    if (text === '') return this.#chain;
    this.#chain = this.#chain.then(async () => {
      await this.fh.write(text);
    });
    return this.#chain;
  }

  async close(): Promise<void> {
    try {
      await this.#chain;
    } finally {
      await this.fh.close();
    }
  }
}

export function createRunFiles(dataDir: string) {
  const dir = path.join(dataDir, 'runs');

  function name(runId: string, kind: RunFileKind): string {
    if (!RUN_ID.test(runId)) throw new Error('not a run id');
    return `${runId}${SUFFIX[kind]}`;
  }

  async function ensureDir(): Promise<void> {
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    await fsp.chmod(dir, 0o700);
  }

  return {
    dir,
    /** The path stored in the run row: relative to the data folder. */
    relative: (runId: string, kind: RunFileKind) => path.join('runs', name(runId, kind)),
    absolute: (runId: string, kind: RunFileKind) => path.join(dir, name(runId, kind)),

    /** A new, empty file (0600) for appending. */
    async create(runId: string, kind: RunFileKind): Promise<Appender> {
      await ensureDir();
      const fh = await fsp.open(path.join(dir, name(runId, kind)), 'w', 0o600);
      await fh.chmod(0o600);
      return new Appender(fh);
    },

    async writeAll(runId: string, kind: RunFileKind, data: string | Buffer): Promise<void> {
      const out = await this.create(runId, kind);
      await out.write(typeof data === 'string' ? data : data.toString('utf8'));
      await out.close();
    },

    async read(runId: string, kind: RunFileKind): Promise<string> {
      return fsp.readFile(path.join(dir, name(runId, kind)), 'utf8');
    },

    /** A read stream, or null when the file does not exist (here). */
    open(runId: string, kind: RunFileKind): fs.ReadStream | null {
      const file = path.join(dir, name(runId, kind));
      if (!fs.existsSync(file)) return null;
      return fs.createReadStream(file);
    },

    async remove(runId: string): Promise<void> {
      for (const kind of Object.keys(SUFFIX) as RunFileKind[]) {
        await fsp.rm(path.join(dir, name(runId, kind)), { force: true });
      }
    },
  };
}

export type RunFiles = ReturnType<typeof createRunFiles>;

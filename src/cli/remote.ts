/**
 * A tiny client of a running Latchkey server, for commands that work over HTTP: `LATCHKEY_URL` (default
 * `http://127.0.0.1:3000`) and `LATCHKEY_API_KEY`. An API error `{error:{code,message}}` becomes a
 * `RemoteError` with one clear line and an exit code.
 */
import { EXIT } from './args.js';

export const DEFAULT_URL = 'http://127.0.0.1:3000';

export class RemoteError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number | null,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

export interface RequestOptions {
  /** A JSON body. */
  json?: unknown;
  /** A raw body with its content type. */
  body?: Uint8Array | string;
  contentType?: string;
  timeoutMs?: number;
}

export interface Remote {
  url: string;
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** A GET whose body is text (JSON Lines). */
  text(path: string): Promise<string>;
}

function exitFor(status: number): number {
  if (status === 404) return EXIT.notFound;
  if (status === 502 || status === 503 || status === 504) return EXIT.unavailable;
  return EXIT.failure;
}

export function createRemote(env: Record<string, string | undefined> = process.env): Remote {
  const url = (env.LATCHKEY_URL || DEFAULT_URL).replace(/\/+$/, '');
  const apiKey = env.LATCHKEY_API_KEY || null;
  try {
    new URL(url);
  } catch {
    throw new RemoteError('usage', `LATCHKEY_URL is not a URL: ${url}`, null, EXIT.usage);
  }

  async function send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    let body: Uint8Array | string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
      body = options.body;
    }
    let res: Response;
    try {
      res = await fetch(`${url}${path}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
    } catch (err) {
      const timeout = (err as Error).name === 'TimeoutError';
      throw new RemoteError(
        timeout ? 'timeout' : 'unreachable',
        timeout
          ? `${url} did not answer in time`
          : `cannot reach Latchkey at ${url} (is it running? set LATCHKEY_URL)`,
        null,
        EXIT.unavailable,
      );
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let code = `http_${res.status}`;
    let message = `${method} ${path} answered HTTP ${res.status}`;
    try {
      const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      if (typeof parsed.error?.code === 'string') code = parsed.error.code;
      if (typeof parsed.error?.message === 'string') message = parsed.error.message;
    } catch {
      // not an API error body: keep the status line
    }
    if (res.status === 401 && !apiKey) message += ' (set LATCHKEY_API_KEY)';
    throw new RemoteError(code, `${code}: ${message}`, res.status, exitFor(res.status));
  }

  return {
    url,
    async request<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
      const res = await send(method, path, options);
      const text = await res.text();
      return (text ? JSON.parse(text) : null) as T;
    },
    async text(path: string): Promise<string> {
      return (await send('GET', path)).text();
    },
  };
}

/** Run a remote command: a `RemoteError` is printed as one line and becomes the exit code. */
export async function withRemote(command: string, fn: (remote: Remote) => Promise<number>): Promise<number> {
  try {
    return await fn(createRemote());
  } catch (err) {
    if (err instanceof RemoteError) {
      process.stderr.write(`latchkey ${command}: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

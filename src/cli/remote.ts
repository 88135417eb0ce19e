/**
 * A tiny client of a running Latchkey server, for commands that work over HTTP. The server and API key come
 * from `--profile NAME`, `LATCHKEY_URL` / `LATCHKEY_API_KEY` or the config file (see profile.ts). An API error
 * `{error:{code,message}}` becomes a `RemoteError` with one clear line and an exit code.
 */
import { EXIT } from './args.js';
import { resolveConnection } from './profile.js';

/** What `--help` of a remote command says about the connection. */
export const CONNECTION_HELP = `The server is LATCHKEY_URL (default http://127.0.0.1:3000), authenticated with LATCHKEY_API_KEY;
or the "url" and "apiKey" of ~/.config/latchkey/config.json (LATCHKEY_CONFIG names another file);
--profile NAME (or LATCHKEY_PROFILE) uses its "profiles": {"NAME": {"url", "apiKey"}} section instead.`;

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
  if (status === 401 || status === 403) return EXIT.auth;
  if (status >= 500) return EXIT.unavailable;
  return EXIT.failure;
}

export interface RemoteOptions {
  /** A section of the config file (`--profile NAME`). */
  profile?: string;
}

export function createRemote(
  env: Record<string, string | undefined> = process.env,
  options: RemoteOptions = {},
): Remote {
  const connection = resolveConnection(env, options.profile ?? (env.LATCHKEY_PROFILE || undefined));
  const url = connection.url.replace(/\/+$/, '');
  const apiKey = connection.apiKey;
  let parsedUrl: URL | null = null;
  try {
    parsedUrl = new URL(url);
  } catch {
    // reported below
  }
  if (!parsedUrl || !/^https?:$/.test(parsedUrl.protocol)) {
    throw new RemoteError(
      'usage',
      `the server URL is not an http(s) URL: ${url} (from ${connection.urlFrom})`,
      null,
      EXIT.usage,
    );
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
    if (res.status === 401 && !apiKey) message += ' (set LATCHKEY_API_KEY, or apiKey in the config file)';
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
export async function withRemote(
  command: string,
  fn: (remote: Remote) => Promise<number>,
  options: RemoteOptions = {},
): Promise<number> {
  try {
    return await fn(createRemote(process.env, options));
  } catch (err) {
    if (err instanceof RemoteError) {
      process.stderr.write(`latchkey ${command}: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

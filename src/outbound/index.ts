/**
 * The one outbound HTTP module (undici): connection pooling, keep-alive and timeouts for every call
 * Latchkey makes to a provider — the token endpoint, revocation, connector tests, sources and the proxy.
 * Errors are classified here once (timeout / unreachable), so every caller reports them the same way.
 */
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';

export interface OutboundOptions {
  /** TCP+TLS connect timeout (ms). */
  connectTimeoutMs?: number;
  /** Time to the response headers (ms). */
  headersTimeoutMs?: number;
  /** Maximum idle time between body chunks (ms). */
  bodyTimeoutMs?: number;
  /** Keep-alive connections per origin. */
  connections?: number;
}

export interface Outbound {
  dispatcher: Dispatcher;
  /** `fetch` through the pooled dispatcher, with the configured timeouts. */
  fetch: typeof fetch;
  timeouts: Required<Omit<OutboundOptions, 'connections'>>;
  close(): Promise<void>;
}

export type OutboundFailure = 'timeout' | 'unreachable';

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'ABORT_ERR',
  'TimeoutError',
]);

/** Classify a network-level failure (thrown by fetch/request) as a timeout or an unreachable peer. */
export function classifyNetworkError(err: unknown): OutboundFailure {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: string }).code;
    const name = (e as { name?: string }).name;
    if ((code && TIMEOUT_CODES.has(code)) || name === 'TimeoutError') return 'timeout';
    e = (e as { cause?: unknown }).cause;
  }
  return 'unreachable';
}

export function createOutbound(options: OutboundOptions = {}): Outbound {
  const timeouts = {
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    headersTimeoutMs: options.headersTimeoutMs ?? 10_000,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 10_000,
  };
  const dispatcher = new Agent({
    connect: { timeout: timeouts.connectTimeoutMs },
    headersTimeout: timeouts.headersTimeoutMs,
    bodyTimeout: timeouts.bodyTimeoutMs,
    connections: options.connections ?? 128,
    keepAliveTimeout: 30_000,
  });
  const boundFetch = ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) =>
    undiciFetch(input as never, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
  return {
    dispatcher,
    fetch: boundFetch,
    timeouts,
    close: () => dispatcher.close(),
  };
}

/** True for loopback hosts, the only ones plain http:// is allowed to reach for OAuth endpoints. */
export function isLoopback(url: string | URL): boolean {
  const host = (typeof url === 'string' ? new URL(url) : url).hostname;
  return (
    host === '127.0.0.1' ||
    host === '[::1]' ||
    host === '::1' ||
    host === 'localhost' ||
    host.endsWith('.localhost')
  );
}

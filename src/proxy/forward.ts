/**
 * Sending one proxied request upstream and relaying the answer — shared by the Fastify route and the fast
 * path, so that both pipelines forward, retry and fail in exactly the same way. It is an undici dispatch
 * handler: the answer's body goes from the upstream socket straight into the caller's stream, chunk by
 * chunk with backpressure, without an intermediate body stream.
 *
 * A small request body is read into memory so that the request can be replayed after a refresh; a larger
 * one streams once. On an upstream 401 the token is refreshed once and the request retried, when its body
 * can be replayed. Timeouts answer 504, an unreachable upstream 502. A caller that goes away stops the
 * upstream request.
 *
 * It runs for every proxied request, so its state is one object (no closures, promises or listeners of its
 * own): the pipelines tell it when their caller has gone.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { OperationContext } from '../auth/principal.js';
import type { Connector } from '../connectors/index.js';
import { AppError } from '../http/errors.js';
import { classifyNetworkError, type Outbound } from '../outbound/index.js';
import type { TokenService } from '../tokens/index.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js';
import type { Target } from './target.js';

/** Bodies up to this size are held in memory so that the request can be replayed after a refresh. */
export const REPLAYABLE_BODY_BYTES = 64 * 1024;

export const PROXY_PREFIX = '/api/v1/proxy/';

export const PROXY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export interface ForwardDeps {
  tokens: TokenService;
  outbound: Outbound;
  /** Time to the upstream's response headers, and the longest pause inside its body (ms). */
  upstreamTimeoutMs: number;
}

export interface ProxiedRequest {
  ctx: OperationContext;
  credentialId: string;
  connector: Connector;
  target: Target;
  method: string;
  headers: IncomingHttpHeaders;
  requestId: string;
  /** The caller's body, untouched (ignored when the headers announce none). */
  body: Readable;
  /** The access token to send first. */
  accessToken: string;
}

/** Where the upstream's answer goes. Exactly one of `open` and `fail` is called, once. */
export interface Downstream {
  /**
   * The upstream has answered (after any replay): its status, and the headers that may reach the caller
   * (a flat `[name, value, …]` list, as `writeHead` takes it).
   * Returns the stream its body is written to (and ended), or null when no body is wanted (HEAD). Once the
   * body has begun, a failure ends that stream with the error instead.
   */
  open(statusCode: number, headers: string[]): Writable | null;
  /**
   * No answer could be opened: an AppError (504 / 502), the refresh's own error, or {@link CallerGone}
   * when the caller left first (there is nobody to answer).
   */
  fail(err: unknown): void;
}

/** A request being forwarded. */
export interface Forwarding {
  /** The caller closed its connection before its answer was finished: stop the upstream request. */
  callerGone(): void;
}

/** The parts of a raw proxy URL: `/api/v1/proxy/<credentialId>/<rest>?<query>`, all still encoded. */
export function splitProxyUrl(raw: string): { credentialId: string; rest: string; query: string } | null {
  if (!raw.startsWith(PROXY_PREFIX)) return null;
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const slash = path.indexOf('/', PROXY_PREFIX.length);
  if (slash < 0) return null;
  return {
    credentialId: path.slice(PROXY_PREFIX.length, slash),
    rest: path.slice(slash + 1),
    query: q < 0 ? '' : raw.slice(q + 1),
  };
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  const len = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The caller left before an answer could be opened (given to `Downstream.fail`, and to undici as the reason). */
export class CallerGone extends Error {
  constructor() {
    super('the caller closed the connection');
  }
}

/** Forward `r` and relay the answer into `downstream`. */
export function forward(deps: ForwardDeps, r: ProxiedRequest, downstream: Downstream): Forwarding {
  if (!hasBody(r.headers)) return new Exchange(deps, r, downstream, null).start();
  // A body we may have to send twice is read now (small ones only); others stream once.
  const len = Number(r.headers['content-length'] ?? NaN);
  if (Number.isFinite(len) && len <= REPLAYABLE_BODY_BYTES)
    return new Exchange(deps, r, downstream, r.body).readFirst();
  return new Exchange(deps, r, downstream, r.body).start();
}

/** One proxied request and its answer: the undici dispatch handler of each attempt. */
class Exchange implements Forwarding {
  /** A streamed body is sent once: its 401 is the caller's answer. */
  private mayReplay: boolean;
  /** The current attempt's 401 is about to be replayed: its answer is not relayed. */
  private replaying = false;
  /** `open` or `fail` has been called. */
  private settled = false;
  /** The caller closed its connection before its answer was finished. */
  private gone = false;
  /** Where the body goes once the answer is opened; null before, or when the caller wants none. */
  private sink: Writable | null = null;
  private abortUpstream: ((reason: Error) => void) | null = null;
  private resumeUpstream: (() => void) | null = null;

  constructor(
    private readonly deps: ForwardDeps,
    private readonly r: ProxiedRequest,
    private readonly downstream: Downstream,
    private body: Buffer | Readable | null,
  ) {
    this.mayReplay = body === null || Buffer.isBuffer(body);
  }

  start(): this {
    this.send(this.r.accessToken);
    return this;
  }

  /** Read the (small) body into memory first, so that it can be sent again. */
  readFirst(): this {
    readAll(this.body as Readable).then(
      (buffer) => {
        this.body = buffer;
        this.mayReplay = true;
        this.send(this.r.accessToken);
      },
      // The caller's own body failed: its connection broke, and there is nobody left to answer.
      () => this.fail(new CallerGone()),
    );
    return this;
  }

  callerGone(): void {
    if (this.gone) return;
    this.gone = true;
    this.abortUpstream?.(new CallerGone());
  }

  private fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.downstream.fail(err);
  }

  private send(accessToken: string): void {
    if (this.gone) return this.fail(new CallerGone());
    const { r, deps, body } = this;
    const headers = upstreamRequestHeaders(r.headers, accessToken, r.connector.api.headers, r.requestId);
    if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
    this.replaying = false;
    deps.outbound.dispatcher.dispatch(
      {
        origin: r.target.origin,
        path: r.target.path,
        method: r.method as Dispatcher.HttpMethod,
        headers,
        body,
        headersTimeout: deps.upstreamTimeoutMs,
        bodyTimeout: deps.upstreamTimeoutMs,
      },
      this as unknown as Dispatcher.DispatchHandler,
    );
  }

  // undici's dispatch handler.

  onConnect(abort: (reason: Error) => void): void {
    this.abortUpstream = abort;
    if (this.gone) abort(new CallerGone());
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true;
    if (statusCode === 401 && this.mayReplay) {
      this.replaying = true;
      return true;
    }
    this.settled = true;
    this.resumeUpstream = resume;
    const relayed = downstreamResponseHeaders(rawHeaders);
    try {
      this.sink = this.downstream.open(statusCode, relayed);
    } catch (err) {
      // An answer the caller cannot be given (a header Node refuses): undici stops the request.
      this.downstream.fail(err);
      throw err;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    const sink = this.sink;
    if (!sink) return true;
    if (sink.destroyed) {
      this.abortUpstream?.(new CallerGone());
      return false;
    }
    if (sink.write(chunk)) return true;
    sink.once('drain', () => this.resumeUpstream?.());
    return false;
  }

  onComplete(): void {
    if (this.replaying) {
      this.mayReplay = false;
      this.deps.tokens.refresh(this.r.ctx, this.r.credentialId).then(
        (t) => this.send(t.accessToken),
        (err: unknown) => this.fail(err),
      );
      return;
    }
    this.sink?.end();
  }

  onError(err: Error): void {
    if (this.settled) {
      // After the answer began: the caller's stream ends with the failure (quietly if it left).
      const sink = this.sink;
      if (sink && !sink.destroyed) sink.destroy(this.gone || err instanceof CallerGone ? undefined : err);
      return;
    }
    if (this.gone || err instanceof CallerGone) return this.fail(new CallerGone());
    const { connector, target } = this.r;
    this.fail(
      classifyNetworkError(err) === 'timeout'
        ? new AppError(
            'upstream_timeout',
            `${connector.name} API did not answer in time (${target.pathname})`,
          )
        : new AppError(
            'upstream_unreachable',
            `${connector.name} API could not be reached (${target.origin})`,
          ),
    );
  }
}

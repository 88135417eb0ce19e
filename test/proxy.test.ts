import { createHash } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxServer } from '../src/sandbox/index.js';
import { createLogger } from '../src/logging/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';
import { addSandboxConnector, createAndAuthorize, startTestSandbox } from './helpers/sandbox.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  sha256: string;
}

/** An upstream API that echoes what it receives, streams big bodies, and can be slow. */
async function startEcho() {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      const entry = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        bytes,
        sha256: hash.digest('hex'),
      };
      seen.push(entry);
      const path = req.url!.split('?')[0]!;
      if (path === '/v1/big') {
        const total = Number(new URL(req.url!, 'http://x').searchParams.get('mb')) * 1024 * 1024;
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
        const chunk = Buffer.alloc(64 * 1024, 7);
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            sent += chunk.length;
            if (!res.write(chunk)) return res.once('drain', pump);
          }
          res.end();
        };
        return pump();
      }
      if (path === '/v1/slow') return setTimeout(() => res.writeHead(200).end('late'), 3000);
      if (path === '/v1/bytes') {
        // Header values as raw bytes (a latin1 string is written byte for byte): UTF-8 and not UTF-8.
        res.writeHead(200, { 'x-utf8': 'caf\u00c3\u00a9', 'x-latin1': 'caf\u00e9 \u00ff\u00fe' });
        return res.end('bytes');
      }
      res.writeHead(path === '/v1/created' ? 201 : 200, {
        'content-type': 'application/json',
        'set-cookie': 'upstream=1',
        connection: 'keep-alive, x-hop',
        'x-hop': 'should not pass',
        'x-upstream': 'yes',
      });
      res.end(
        JSON.stringify({
          method: entry.method,
          url: entry.url,
          bytes,
          sha256: entry.sha256,
          authorization: req.headers.authorization ?? null,
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((r) => server.close(r)),
  };
}

/**
 * Every case runs twice: through `inject()` — Fastify's router, the general pipeline — and over real HTTP,
 * where the fast path (src/proxy/fast-path.ts) takes the requests memory can answer. Both must behave alike.
 */
const TRANSPORTS = [
  ['general pipeline (inject)', 'inject'],
  ['fast path (HTTP)', 'http'],
] as const;

/** The test app's address over real HTTP, listening on first use: where the fast path takes requests. */
async function addressOf(t: TestApp): Promise<string> {
  if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
}

describeEachDialect('authenticated proxy', (dialect) => {
  describe.each(TRANSPORTS)('through the %s', (_label, transport) => {
    let sandbox: SandboxServer;
    let echo: Awaited<ReturnType<typeof startEcho>>;
    let t: TestApp;
    let echoCred: string;
    let sandboxCred: string;

    beforeAll(async () => {
      sandbox = await startTestSandbox();
      echo = await startEcho();
    });
    afterAll(async () => {
      await sandbox.close();
      await echo.close();
    });
    beforeEach(async () => {
      t = await createTestApp(dialect, { LATCHKEY_UPSTREAM_TIMEOUT_MS: '1000' });
      addSandboxConnector(t, sandbox.url);
      addSandboxConnector(t, sandbox.url, (c) => ({
        ...c,
        id: 'echo',
        api: { ...c.api, baseUrl: `${echo.url}/v1` },
      }));
      echoCred = (await createAndAuthorize(t, sandbox.url, { connector: 'echo' })).id;
      sandboxCred = (await createAndAuthorize(t, sandbox.url)).id;
      echo.seen.length = 0;
    });
    afterEach(() => t.close());

    const keepAlive = new http.Agent({ keepAlive: true });
    afterAll(() => keepAlive.destroy());

    const base = () => addressOf(t);

    interface Answer {
      statusCode: number;
      headers: Record<string, string | string[] | number | undefined>;
      body: string;
      json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
    }

    const proxy = async (
      method: string,
      path: string,
      opts: { body?: string; headers?: Record<string, string>; cred?: string } = {},
    ): Promise<Answer> => {
      const url = `/api/v1/proxy/${opts.cred ?? echoCred}/${path}`;
      const headers = { ...t.auth, ...(opts.headers ?? {}) };
      if (transport === 'inject') {
        return t.app.inject({
          method: method as 'GET',
          url,
          headers,
          ...(opts.body !== undefined ? { payload: opts.body } : {}),
        });
      }
      // node:http, which sends any Connection header as given (undici's client refuses custom ones).
      const address = await base();
      return new Promise<Answer>((resolve, reject) => {
        const req = http.request(`${address}${url}`, { method, headers, agent: keepAlive }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () =>
            resolve({
              statusCode: res.statusCode!,
              headers: res.headers,
              body,
              json: () => JSON.parse(body),
            }),
          );
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(opts.body);
      });
    };

    const fastPathCount = async () => {
      const m = await t.ctx.metrics.registry
        .getSingleMetric('latchkey_proxy_fast_path_requests_total')!
        .get();
      return m.values.reduce((a, v) => a + v.value, 0);
    };

    it('takes the fast path over HTTP once the API key and the token are in memory', async () => {
      for (let i = 0; i < 3; i++) expect((await proxy('GET', 'h')).statusCode).toBe(200);
      // inject() never reaches the fast path; over HTTP, requests that memory answers take it.
      if (transport === 'http') expect(await fastPathCount()).toBeGreaterThanOrEqual(2);
      else expect(await fastPathCount()).toBe(0);
      expect(echo.seen).toHaveLength(3);
      // Counted alike by both pipelines.
      const counted = await t.ctx.metrics.registry.getSingleMetric('latchkey_proxy_requests_total')!.get();
      expect(counted.values.find((v) => v.labels.status === 200 || v.labels.status === '200')?.value).toBe(3);
    });

    it('answers HEAD with the upstream’s status and headers and no body', async () => {
      const res = await proxy('HEAD', 'h');
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('');
      expect(res.headers['x-upstream']).toBe('yes');
      expect(echo.seen[0]!.method).toBe('HEAD');
    });

    it('answers with the security headers, the request id and no-store', async () => {
      const res = await proxy('GET', 'h', { headers: { 'x-request-id': 'trace-42' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers).toMatchObject({
        'x-request-id': 'trace-42',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
        'cache-control': 'no-store',
        'content-type': 'application/json',
      });
      expect(echo.seen[0]!.headers['x-request-id']).toBe('trace-42');
    });

    it.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])(
      '%s passes path, query and body, with the Bearer token',
      async (method) => {
        const body =
          method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify({ title: 'Fiets', price: 12 });
        const res = await proxy(method, 'things/42?a=1&b=%C3%A9', {
          body,
          headers: body ? { 'content-type': 'application/json' } : {},
        });
        expect(res.statusCode).toBe(200);
        const echoed = res.json();
        expect(echoed.method).toBe(method);
        expect(echoed.url).toBe('/v1/things/42?a=1&b=%C3%A9');
        expect(echoed.bytes).toBe(body ? Buffer.byteLength(body) : 0);
        const token = (
          await t.app.inject({ url: `/api/v1/credentials/${echoCred}/token`, headers: t.auth })
        ).json().accessToken;
        expect(echoed.authorization).toBe(`Bearer ${token}`);
      },
    );

    it('drops the caller’s Authorization, cookies and hop-by-hop headers, and keeps the rest', async () => {
      const res = await proxy('GET', 'h', {
        headers: {
          cookie: 'latchkey_session=secret',
          'x-csrf-token': 'c',
          connection: 'keep-alive, x-private',
          'x-private': 'p',
          'x-custom': 'kept',
          accept: 'text/plain',
        },
      });
      expect(res.statusCode).toBe(200);
      const h = echo.seen[0]!.headers;
      expect(h.authorization).toMatch(/^Bearer /);
      expect(h.authorization).not.toContain(t.apiKey);
      expect(h.cookie).toBeUndefined();
      expect(h['x-csrf-token']).toBeUndefined();
      expect(h['x-private']).toBeUndefined();
      expect(h['x-custom']).toBe('kept');
      expect(h.accept).toBe('text/plain');
      expect(h['x-request-id']).toBe(res.headers['x-request-id']);
      // And back: no cookies for Latchkey's origin, no hop-by-hop headers.
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.headers['x-hop']).toBeUndefined();
      expect(res.headers['x-upstream']).toBe('yes');
    });

    it('sends the connector’s default headers when the caller has none or accepts anything', async () => {
      await proxy('GET', 'h');
      await proxy('GET', 'h', { headers: { accept: '*/*' } });
      expect(echo.seen[0]!.headers.accept).toBe('application/hal+json, application/json');
      expect(echo.seen[1]!.headers.accept).toBe('application/hal+json, application/json');
    });

    it('passes the upstream’s header values through byte for byte, UTF-8 or not', async () => {
      const res = await proxy('GET', 'bytes');
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('bytes');
      expect(res.headers['x-utf8']).toBe('caf\u00c3\u00a9');
      expect(res.headers['x-latin1']).toBe('caf\u00e9 \u00ff\u00fe');
    });

    it('passes the upstream status through', async () => {
      expect(
        (await proxy('POST', 'created', { body: '{}', headers: { 'content-type': 'application/json' } }))
          .statusCode,
      ).toBe(201);
    });

    it.each([
      ['..', '../admin'],
      ['%2e%2e', '%2e%2e/admin'],
      ['%2E%2E with encoded slash', '%2E%2E%2Fadmin'],
      ['//evil.example', '/evil.example/x'],
      ['absolute URL', 'http://evil.example/x'],
      ['encoded absolute URL', 'http%3A%2F%2Fevil.example%2Fx'],
    ])('keeps traversal attempts (%s) inside the base URL', async (_label, path) => {
      // Sent byte for byte (no client-side URL normalisation), as `curl --path-as-is` would.
      const port = Number(new URL(await base()).port);
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write(
            `GET /api/v1/proxy/${echoCred}/${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\nConnection: close\r\n\r\n`,
          );
        });
        let out = '';
        socket.on('data', (d) => (out += d));
        socket.on('end', () => resolve(out));
        socket.on('error', reject);
      });
      const status = Number(raw.split(' ')[1]);
      expect(status).toBe(400);
      expect(raw).toContain('"code":"validation_failed"');
      expect(echo.seen).toHaveLength(0);
    });

    it('refuses an unknown API key (401) without forwarding', async () => {
      const res = await proxy('GET', 'h', { headers: { authorization: 'Bearer lk_not_a_key' } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
      expect(echo.seen).toHaveLength(0);
    });

    it('refreshes once and retries on an upstream 401', async () => {
      const before = sandbox.sandbox.stats().refreshes;
      sandbox.sandbox.expireAccessTokens();
      const res = await proxy('GET', 'me', { cred: sandboxCred, headers: { accept: 'application/json' } });
      expect(res.statusCode).toBe(200);
      expect(res.json().email).toBe('demo@sandbox.2ememain.test');
      expect(sandbox.sandbox.stats().refreshes).toBe(before + 1);
    });

    it('answers 504 when the upstream is too slow and 502 when it is unreachable', async () => {
      const slow = await proxy('GET', 'slow');
      expect(slow.statusCode).toBe(504);
      expect(slow.json().error.code).toBe('upstream_timeout');
      // Latchkey's own error, told apart from the provider's answers, with the headers of every response.
      expect(slow.headers['latchkey-error']).toBe('upstream_timeout');
      expect(slow.headers['x-content-type-options']).toBe('nosniff');
      expect(slow.headers['cache-control']).toBe('no-store');
      expect(slow.headers['x-request-id']).toBeTruthy();
      addSandboxConnector(t, sandbox.url, (c) => ({
        ...c,
        id: 'dead',
        api: { ...c.api, baseUrl: 'http://127.0.0.1:9/v1' },
      }));
      const dead = (await createAndAuthorize(t, sandbox.url, { connector: 'dead' })).id;
      const res = await proxy('GET', 'x', { cred: dead });
      expect(res.statusCode).toBe(502);
      expect(res.json().error.code).toBe('upstream_unreachable');
    });

    it('answers 409 with the status for a credential that is not active, and 404 for another workspace’s', async () => {
      await t.app.inject({ method: 'POST', url: `/api/v1/credentials/${echoCred}/revoke`, headers: t.auth });
      const res = await proxy('GET', 'x');
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toEqual({
        code: 'credential_not_active',
        message: 'credential is revoked, not active',
      });
      const missing = await proxy('GET', 'x', { cred: 'cred_nope' });
      expect(missing.statusCode).toBe(404);
    });

    it('streams a 100 MB body each way with flat memory', async () => {
      const server = await base();
      // JS heap and Buffer memory (a buffered body would show in arrayBuffers).
      const used = () => {
        const m = process.memoryUsage();
        return m.heapUsed + m.arrayBuffers;
      };
      // Warm up first (the first fetch() loads its implementation: tens of MB that are not the body's).
      const warm = await fetch(`${server}/api/v1/proxy/${echoCred}/big?mb=1`, { headers: t.auth });
      expect((await warm.arrayBuffer()).byteLength).toBe(1024 * 1024);
      const before = used();
      let peak = 0;
      const sample = setInterval(() => (peak = Math.max(peak, used())), 10);
      try {
        // Upload: 100 MB generated on the fly.
        const chunk = new Uint8Array(256 * 1024).fill(3);
        let sent = 0;
        const total = 100 * 1024 * 1024;
        const upload = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent >= total) return controller.close();
            sent += chunk.length;
            controller.enqueue(chunk);
          },
        });
        const up = await fetch(`${server}/api/v1/proxy/${echoCred}/upload`, {
          method: 'POST',
          headers: { ...t.auth, 'content-type': 'application/octet-stream' },
          body: upload,
          duplex: 'half',
        } as RequestInit);
        expect(up.status).toBe(200);
        expect(((await up.json()) as { bytes: number }).bytes).toBe(total);
        // Download: 100 MB streamed back.
        const down = await fetch(`${server}/api/v1/proxy/${echoCred}/big?mb=100`, { headers: t.auth });
        expect(down.status).toBe(200);
        let received = 0;
        for await (const c of down.body as unknown as AsyncIterable<Uint8Array>) received += c.length;
        expect(received).toBe(total);
      } finally {
        clearInterval(sample);
      }
      // Both directions together held far less than one body in memory.
      expect(peak - before).toBeLessThan(40 * 1024 * 1024);
    });
  });
});

describeEachDialect('proxy fast path: the rules of the general pipeline', (dialect) => {
  let sandbox: SandboxServer;
  let t: TestApp;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.close());
  afterEach(() => t.close());

  it('counts against the caller’s rate limit, and a refused request reaches no upstream', async () => {
    t = await createTestApp(dialect, { LATCHKEY_RATE_LIMIT_PER_MIN: '5' });
    addSandboxConnector(t, sandbox.url);
    // Authorizing uses the API too (create + authorize): those requests count against the same limit.
    const { id } = await createAndAuthorize(t, sandbox.url);
    const base = await addressOf(t);
    const before = sandbox.sandbox.stats().apiRequests.total;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await request(`${base}/api/v1/proxy/${id}/me`, { headers: t.auth });
      await res.body.text();
      statuses.push(res.statusCode);
      if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    const ok = statuses.filter((s) => s === 200).length;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThanOrEqual(5);
    expect(statuses.slice(ok).every((s) => s === 429)).toBe(true);
    expect(sandbox.sandbox.stats().apiRequests.total - before).toBe(ok);
  });

  it('stops requests from an address that keeps failing to authenticate, even with a valid key', async () => {
    t = await createTestApp(dialect, { LATCHKEY_RATE_LIMIT_PER_MIN: '5' });
    addSandboxConnector(t, sandbox.url);
    const { id } = await createAndAuthorize(t, sandbox.url);
    const base = await addressOf(t);
    // Warm the caches through the fast path's eyes: one good request.
    await (await request(`${base}/api/v1/proxy/${id}/me`, { headers: t.auth })).body.text();
    for (let i = 0; i < 6; i++) {
      const bad = await request(`${base}/api/v1/proxy/${id}/me`, {
        headers: { authorization: 'Bearer lk_bad' },
      });
      await bad.body.text();
    }
    const res = await request(`${base}/api/v1/proxy/${id}/me`, { headers: t.auth });
    expect(res.statusCode).toBe(429);
    await res.body.text();
  });
});

describeEachDialect('proxy: a caller that goes away', (dialect) => {
  /** An upstream that never answers `/v1/hang` and streams `/v1/endless` until its caller leaves. */
  let upstream: http.Server;
  let upstreamUrl: string;
  const closed: string[] = [];
  const arrived: string[] = [];
  let sandbox: SandboxServer;
  let t: TestApp;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    upstream = http.createServer((req, res) => {
      arrived.push(req.url!);
      res.on('close', () => closed.push(req.url!));
      if (req.url === '/v1/ok') res.end('ok');
      if (req.url === '/v1/endless') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(16 * 1024, 1);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      }
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
    await sandbox.close();
  });
  afterEach(() => t.close());

  const until = async (what: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return what();
  };

  describe.each([
    ['fast path', true],
    ['general pipeline', false],
  ])('through the %s', (_label, fastPath) => {
    let logged: string[];
    beforeEach(async () => {
      closed.length = 0;
      arrived.length = 0;
      logged = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          logged.push(chunk.toString());
          done();
        },
      });
      // The upstream timeout is long: only the caller's leaving can end these requests early.
      t = await createTestApp(
        dialect,
        { LATCHKEY_UPSTREAM_TIMEOUT_MS: '30000' },
        { proxyFastPath: fastPath, log: createLogger('warn', sink) },
      );
      addSandboxConnector(t, sandbox.url, (c) => ({
        ...c,
        id: 'gone',
        api: { ...c.api, baseUrl: `${upstreamUrl}/v1` },
      }));
    });

    /** An authorized credential whose token a first request has put in memory, where the fast path finds it. */
    const warmCredential = async (): Promise<{ id: string; address: string }> => {
      const { id } = await createAndAuthorize(t, sandbox.url, { connector: 'gone' });
      const address = await addressOf(t);
      const warm = await request(`${address}/api/v1/proxy/${id}/ok`, { headers: t.auth });
      expect(await warm.body.text()).toBe('ok');
      return { id, address };
    };

    /** The server goes on answering. */
    const stillAnswers = async (address: string, id: string) => {
      const ok = await request(`${address}/api/v1/credentials/${id}`, { headers: t.auth });
      expect(ok.statusCode).toBe(200);
      await ok.body.text();
    };

    it.each(['hang', 'endless'])('stops the upstream request (%s)', async (path) => {
      const { id, address } = await warmCredential();
      const before = await t.ctx.metrics.registry.getSingleMetricAsString(
        'latchkey_proxy_fast_path_requests_total',
      );
      const req = http.request(`${address}/api/v1/proxy/${id}/${path}`, { headers: t.auth });
      let received = 0;
      req.on('response', (res) => res.on('data', (c: Buffer) => (received += c.length)));
      req.on('error', () => {});
      req.end();
      expect(await until(() => arrived.includes(`/v1/${path}`), 5000)).toBe(true);
      if (path === 'endless') expect(await until(() => received > 1024 * 1024, 5000)).toBe(true);
      req.destroy();
      expect(await until(() => closed.includes(`/v1/${path}`), 3000)).toBe(true);
      const after = await t.ctx.metrics.registry.getSingleMetricAsString(
        'latchkey_proxy_fast_path_requests_total',
      );
      // The request went the way this case names.
      expect(after !== before).toBe(fastPath);
      await stillAnswers(address, id);
    });

    it('sends nothing upstream and logs no error when the caller leaves in the middle of its body', async () => {
      const { id, address } = await warmCredential();
      arrived.length = 0;
      // A small body (it would be read whole, to be replayable) of which only half ever comes.
      const req = http.request(`${address}/api/v1/proxy/${id}/upload`, {
        method: 'POST',
        headers: { ...t.auth, 'content-type': 'application/json', 'content-length': '2000' },
      });
      req.on('error', () => {});
      req.write('x'.repeat(1000));
      await new Promise((r) => setTimeout(r, 200));
      req.destroy();
      await new Promise((r) => setTimeout(r, 300));
      expect(arrived).toEqual([]);
      expect(logged.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
      await stillAnswers(address, id);
    });
  });
});

describeEachDialect('proxy fast path: while the server closes', (dialect) => {
  let sandbox: SandboxServer;
  let upstream: http.Server;
  const arrived: string[] = [];
  beforeAll(async () => {
    sandbox = await startTestSandbox();
    // Answers every request after 300 ms, long enough for the server to begin closing meanwhile.
    upstream = http.createServer((req, res) => {
      arrived.push(req.url!);
      setTimeout(() => res.end('late'), 300);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise((r) => upstream.close(r));
    await sandbox.close();
  });

  it('takes no new request: it is answered 503 in the API’s shape and never reaches the upstream', async () => {
    const t = await createTestApp(dialect);
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    addSandboxConnector(t, sandbox.url, (c) => ({
      ...c,
      id: 'closing',
      api: { ...c.api, baseUrl: `${upstreamUrl}/v1` },
    }));
    const { id } = await createAndAuthorize(t, sandbox.url, { connector: 'closing' });
    const port = Number(new URL(await addressOf(t)).port);
    // One keep-alive connection: a first request warms the caches (and is in flight while the server closes),
    // a second is sent on the same connection once closing has begun.
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => (received += d));
    const send = (path: string) =>
      socket.write(
        `GET /api/v1/proxy/${id}/${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\n\r\n`,
      );
    arrived.length = 0;
    send('warm');
    await new Promise((r) => setTimeout(r, 400));
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    received = '';
    send('first');
    while (!arrived.includes('/v1/first')) await new Promise((r) => setTimeout(r, 10));
    const closed = t.app.close();
    await new Promise((r) => setTimeout(r, 50));
    send('second');
    await closed;
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    await t.ctx.close();
    // The request in flight was answered; the one that came during closing was refused, in the API's shape.
    const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    expect(statuses).toEqual([200, 503]);
    expect(received).toContain('"code":"service_unavailable"');
    expect(received).toMatch(/retry-after: 1\r\n/i);
    expect(arrived).toEqual(['/v1/warm', '/v1/first']);
  });
});

import fs from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../src/http/errors.js';
import { createLogger, redactUrl } from '../src/logging/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';

describe('API surface', () => {
  let t: TestApp;
  let logged = '';
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logged += chunk.toString();
        cb();
      },
    });
    t = await createTestApp('sqlite', { LOG_LEVEL: 'trace' }, { log: createLogger('trace', sink) });
  });
  afterAll(() => t.close());

  it('answers liveness and readiness', async () => {
    expect((await t.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject('/readyz')).json()).toEqual({ status: 'ready' });
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas, and /docs', async () => {
    const res = await t.app.inject('/api/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/credentials',
        '/api/v1/credentials/{id}',
        '/api/v1/connectors',
        '/healthz',
      ]),
    );
    const create = doc.paths['/api/v1/credentials'].post;
    const schema = create.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(
      expect.arrayContaining(['connector', 'name', 'clientId', 'clientSecret']),
    );
    expect(schema.properties.name.maxLength).toBe(200);
    expect(schema.additionalProperties).toBe(false);
    const view = create.responses['201'].content['application/json'].schema;
    expect(Object.keys(view.properties)).toContain('clientSecretSet');
    expect(Object.keys(view.properties)).not.toContain('clientSecret');
    const docs = await t.app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('documents every error code in docs/errors.md', () => {
    const doc = fs.readFileSync('docs/errors.md', 'utf8');
    const rows = new Map(
      [...doc.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [m[1]!, Number(m[2])] as const),
    );
    for (const [code, e] of Object.entries(ERRORS)) expect(rows.get(code), code).toBe(e.status);
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await t.app.inject('/api/v1/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'route_not_found', message: 'no route GET /api/v1/nope' } });
  });

  it('echoes a request id', async () => {
    const res = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('never logs the API key, the client secret or a cookie', async () => {
    const secret = 'client-secret-that-must-not-leak';
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: { ...t.auth, cookie: 'latchkey_session=session-cookie-value' },
      payload: { connector: '2ememain', name: 'x', clientId: 'id', clientSecret: secret },
    });
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/credentials',
      headers: t.auth,
      payload: { connector: '2ememain', name: '', clientId: 'id', clientSecret: secret },
    });
    t.app.log.info({ clientSecret: secret, nested: { accessToken: secret, refresh_token: secret } }, 'probe');
    expect(logged).toContain('probe');
    expect(logged).toContain('incoming request');
    expect(logged).not.toContain(secret);
    expect(logged).not.toContain(t.apiKey);
    expect(logged).not.toContain('session-cookie-value');
  });

  it('redacts OAuth codes and states from logged URLs', () => {
    expect(redactUrl('/oauth/callback?code=abc&state=xyz&iss=https%3A%2F%2Fa')).toBe(
      '/oauth/callback?code=[REDACTED]&state=[REDACTED]&iss=https%3A%2F%2Fa',
    );
  });
});

import swagger from '@fastify/swagger';
import fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createSandbox } from '../../src/sandbox/index.js';
import { ISSUER, PREFIX } from './helpers.js';

async function hostWithSandbox() {
  const host = fastify();
  await host.register(swagger, { openapi: { info: { title: 'host', version: '1' } } });
  host.setErrorHandler((_err, _req, reply) =>
    reply.code(418).send({ error: { code: 'host', message: 'host handler' } }),
  );
  host.setNotFoundHandler((_req, reply) =>
    reply.code(404).send({ error: { code: 'route_not_found', message: 'host 404' } }),
  );
  const seenConfigs: unknown[] = [];
  host.addHook('onRoute', (route) => {
    if (route.url.startsWith(PREFIX)) seenConfigs.push(route.config);
  });
  await host.register(createSandbox({ issuer: ISSUER }).plugin, { prefix: PREFIX });
  host.post('/host-form', async (req) => ({ body: req.body }));
  await host.ready();
  return { host, seenConfigs };
}

describe('the sandbox plugin inside a host app', () => {
  it('keeps its routes out of the host OpenAPI document and marks them public', async () => {
    const { host, seenConfigs } = await hostWithSandbox();
    const doc = host.swagger() as { paths?: Record<string, unknown> };
    expect(Object.keys(doc.paths ?? {})).toEqual(['/host-form']);
    expect(seenConfigs.length).toBeGreaterThan(10);
    for (const config of seenConfigs) expect(config).toMatchObject({ public: true });
  });

  it('keeps its form parser, error handler and 404 to itself', async () => {
    const { host } = await hostWithSandbox();
    const hostForm = await host.inject({
      method: 'POST',
      url: '/host-form',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1',
    });
    expect(hostForm.statusCode).toBe(418);
    const sandboxError = await host.inject({
      method: 'POST',
      url: `${PREFIX}/oauth/token`,
      headers: { 'content-type': 'text/xml' },
      payload: '<x/>',
    });
    expect(sandboxError.statusCode).toBe(400);
    expect(sandboxError.json().error).toBe('invalid_request');
    expect((await host.inject('/elsewhere')).json().error.code).toBe('route_not_found');
    const sandbox404 = await host.inject(`${PREFIX}/nothing`);
    expect(sandbox404.statusCode).toBe(404);
    expect(sandbox404.json()).toMatchObject({ error: 'not_found' });
    const page404 = await host.inject({ url: `${PREFIX}/nothing`, headers: { accept: 'text/html' } });
    expect(page404.body).toContain('Sandbox — not the real 2ememain');
  });

  it('serves a home page at the prefix, with and without a trailing slash', async () => {
    const { host } = await hostWithSandbox();
    for (const url of [PREFIX, `${PREFIX}/`]) {
      const res = await host.inject(url);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('Developer › API Settings');
    }
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultWebRoot, UI_ROUTES, webPlugin } from './index.js';

let dirs: string[] = [];
let apps: FastifyInstance[] = [];

function builtUi(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-web-'));
  dirs.push(root);
  fs.mkdirSync(path.join(root, 'assets'));
  fs.writeFileSync(
    path.join(root, 'index.html'),
    '<!doctype html><title>Latchkey</title><div id="root"></div>',
  );
  fs.writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  return root;
}

async function serve(root: string): Promise<FastifyInstance> {
  const app = fastify();
  // Stand-ins for routes of other capabilities: the UI must never shadow them.
  app.get('/api/v1/connectors', async () => ({ items: [] }));
  app.get('/oauth/callback', async () => 'callback');
  app.get('/sandbox/2ememain/authorize', async () => 'sandbox');
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: { code: 'route_not_found' } }));
  await app.register(webPlugin, { root });
  apps.push(app);
  return app;
}

afterEach(async () => {
  for (const app of apps) await app.close();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  apps = [];
  dirs = [];
});

describe('web plugin', () => {
  it('answers index.html, uncached, for every UI address', async () => {
    const app = await serve(builtUi());
    const urls = UI_ROUTES.map((r) => r.replace(/:[A-Za-z]+/, 'x_123'));
    for (const url of [...urls, '/connectors/2ememain?credential=c_1&oauth_result=authorized']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.body).toContain('<div id="root">');
    }
  });

  it('serves hashed assets with a long immutable cache', async () => {
    const app = await serve(builtUi());
    const res = await app.inject({ url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toContain('immutable');
    expect(res.headers['cache-control']).toContain('max-age=31536000');
  });

  it('leaves the API, the OAuth callback, the sandbox and unknown addresses alone', async () => {
    const app = await serve(builtUi());
    expect((await app.inject({ url: '/api/v1/connectors' })).json()).toEqual({ items: [] });
    expect((await app.inject({ url: '/oauth/callback' })).body).toBe('callback');
    expect((await app.inject({ url: '/sandbox/2ememain/authorize' })).body).toBe('sandbox');
    for (const url of ['/api/v1/nope', '/assets/missing.js', '/sources/a/b', '/nowhere', '/docs/x']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'route_not_found' } });
    }
  });

  it('says to build the UI when dist/web is missing', async () => {
    const app = await serve(path.join(os.tmpdir(), 'latchkey-web-missing-' + process.pid));
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
  });

  it('finds dist/web at the repository root', () => {
    expect(defaultWebRoot()).toBe(path.resolve('dist/web'));
    expect(defaultWebRoot(path.resolve('dist/src/web'))).toBe(path.resolve('dist/web'));
  });
});

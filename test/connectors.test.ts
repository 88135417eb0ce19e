import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  builtinConnectorsDir,
  ConnectorDefinitionError,
  loadCatalog,
  loadConnectorDir,
  parseConnector,
} from '../src/connectors/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';

const builtin = JSON.parse(fs.readFileSync(path.join(builtinConnectorsDir(), '2ememain.json'), 'utf8'));

describe('connector catalog', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-conn-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('ships valid built-ins for 2ememain and its sister sites, true to the documented API', () => {
    const catalog = loadCatalog();
    const c = catalog.get('2ememain')!;
    expect(c.auth.authorizationUrl).toBe('https://auth.2ememain.be/accounts/oauth/authorize');
    expect(c.auth.tokenUrl).toBe('https://auth.2ememain.be/accounts/oauth/token');
    expect(c.auth.tokenEndpointAuthMethod).toBe('client_secret_post');
    expect(c.api.baseUrl).toBe('https://api.2ememain.be/v1');
    expect(c.api.headers.Accept).toContain('application/json');
    const ads = c.resources.find((r) => r.id === 'advertisements')!;
    expect(ads.recordsPath).toBe('_embedded.mp:advertisement');
    expect(ads.pagination).toEqual({
      type: 'offset',
      offsetParam: 'offset',
      limitParam: 'limit',
      limit: 100,
    });
    expect(catalog.get('2dehands')?.auth.tokenUrl).toBe('https://auth.2dehands.be/accounts/oauth/token');
    expect(catalog.get('marktplaats')?.api.baseUrl).toBe('https://api.marktplaats.nl/v1');
  });

  it('lets LATCHKEY_CONNECTORS_DIR add definitions and override a built-in by id', () => {
    fs.writeFileSync(
      path.join(dir, '2ememain.json'),
      JSON.stringify({ ...builtin, name: '2ememain (staging)' }),
    );
    fs.writeFileSync(
      path.join(dir, 'acme.json'),
      JSON.stringify({ ...builtin, id: 'acme', name: 'Acme', auth: { ...builtin.auth, pkce: true } }),
    );
    const catalog = loadCatalog({ extraDir: dir });
    expect(catalog.get('2ememain')!.name).toBe('2ememain (staging)');
    expect(catalog.get('acme')!.auth.pkce).toBe(true);
  });

  it('reports an invalid definition with its file and field', () => {
    const file = path.join(dir, 'broken.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ ...builtin, id: 'broken', auth: { ...builtin.auth, tokenUrl: 'not a url' } }),
    );
    let err: unknown;
    try {
      loadConnectorDir(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectorDefinitionError);
    expect((err as ConnectorDefinitionError).file).toBe(file);
    expect((err as ConnectorDefinitionError).field).toBe('auth.tokenUrl');
    expect((err as Error).message).toContain(`${file}: auth.tokenUrl:`);
  });

  it.each([
    ['bad JSON', '{', /not valid JSON/],
    [
      'an id that does not match the file name',
      JSON.stringify({ ...builtin, id: 'other' }),
      /id: "other" must match/,
    ],
    ['an unknown field', JSON.stringify({ ...builtin, extra: 1 }), /extra/],
    [
      'a bad pagination type',
      JSON.stringify({
        ...builtin,
        resources: [{ ...builtin.resources[0], pagination: { type: 'cursor' } }],
      }),
      /resources\.0\.pagination/,
    ],
    [
      'a bad auth method',
      JSON.stringify({ ...builtin, auth: { ...builtin.auth, tokenEndpointAuthMethod: 'none' } }),
      /tokenEndpointAuthMethod/,
    ],
  ])('rejects %s', (_label, text, message) => {
    fs.writeFileSync(path.join(dir, '2ememain.json'), text);
    expect(() => loadConnectorDir(dir)).toThrow(message);
  });

  it('fills defaults for optional fields', () => {
    const c = parseConnector(
      {
        id: 'min',
        name: 'Minimal',
        auth: {
          type: 'oauth2',
          authorizationUrl: 'https://a.example/auth',
          tokenUrl: 'https://a.example/token',
        },
        api: { baseUrl: 'https://api.example/v1/' },
      },
      'inline',
    );
    expect(c.auth).toMatchObject({
      defaultScopes: [],
      scopeSeparator: ' ',
      pkce: false,
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    expect(c.api.baseUrl).toBe('https://api.example/v1');
    expect(c.resources).toEqual([]);
  });
});

describe('connector routes', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp('sqlite');
  });
  afterEach(() => t.close());

  it('lists the catalog and reads one connector', async () => {
    const list = await t.app.inject({ url: '/api/v1/connectors', headers: t.auth });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((c: { id: string }) => c.id)).toEqual(
      expect.arrayContaining(['2ememain', '2dehands', 'marktplaats']),
    );
    const one = await t.app.inject({ url: '/api/v1/connectors/2ememain', headers: t.auth });
    expect(one.json().auth.tokenUrl).toBe('https://auth.2ememain.be/accounts/oauth/token');
    const missing = await t.app.inject({ url: '/api/v1/connectors/nope', headers: t.auth });
    expect(missing.statusCode).toBe(404);
    const anon = await t.app.inject({ url: '/api/v1/connectors' });
    expect(anon.statusCode).toBe(401);
  });
});

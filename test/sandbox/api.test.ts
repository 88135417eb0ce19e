import { describe, expect, it } from 'vitest';
import { api, createHarness, ISSUER, obtainTokens, PREFIX, register, type Harness } from './helpers.js';

async function setup(scope?: string, options = {}) {
  const h = await createHarness(options);
  const client = await register(h);
  const tokens = await obtainTokens(h, client, scope);
  return { h, client, token: tokens.access_token };
}

function expectMarktplaatsError(body: Record<string, unknown>, code: string) {
  expect(body).toMatchObject({ code, details: expect.any(Array) });
  expect(typeof body.message).toBe('string');
  expect(body.logref).toMatch(/^[0-9a-f]{16}$/);
}

const validAd = {
  title: 'Vélo de course',
  description: 'Cadre aluminium, 56 cm.',
  categoryId: 445,
  priceModel: { modality: 'fixed', askingPrice: 25000 },
  location: { postcode: '1050' },
};

describe('API content negotiation and authentication', () => {
  it.each([
    ['no Accept header', null],
    ['application/hal+json alone', 'application/hal+json'],
    ['*/*', '*/*'],
    ['text/html', 'text/html'],
    ['application/json with q=0', 'application/hal+json, application/json;q=0'],
  ])('answers 406 for %s, before looking at the token', async (_name, accept) => {
    const { h, token } = await setup();
    for (const t of [token, undefined]) {
      const res = await api(h, '/me', t, { accept });
      expect(res.statusCode).toBe(406);
      expectMarktplaatsError(res.json(), 'not-acceptable');
    }
  });

  it('accepts application/json with parameters', async () => {
    const { h, token } = await setup();
    expect((await api(h, '/me', token, { accept: 'application/json; charset=utf-8' })).statusCode).toBe(200);
  });

  it('answers 401 with a Bearer challenge when the token is missing', async () => {
    const { h } = await setup();
    const res = await api(h, '/advertisements', undefined);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="2ememain sandbox"');
    expectMarktplaatsError(res.json(), 'unauthorized');
    expect(res.json().details).toEqual([]);
  });

  it('answers 401 invalid_token for an unknown or revoked token', async () => {
    const { h, token } = await setup();
    const unknown = await api(h, '/me', 'bm90LWEtdG9rZW4');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.headers['www-authenticate']).toBe(
      'Bearer realm="2ememain sandbox", error="invalid_token", error_description="The access token is unknown"',
    );
    expectMarktplaatsError(unknown.json(), 'invalid-token');
    h.sandbox.expireAccessTokens();
    const expired = await api(h, '/me', token);
    expect(expired.statusCode).toBe(401);
    expect(expired.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('answers 403 insufficient_scope for a token without the needed scope', async () => {
    const { h, token } = await setup('read');
    const res = await api(h, '/advertisements', token, { method: 'POST', body: validAd });
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(res.headers['www-authenticate']).toContain('scope="write"');
    expectMarktplaatsError(res.json(), 'insufficient-scope');
    const writeOnly = await setup('write');
    expect((await api(writeOnly.h, '/me', writeOnly.token)).statusCode).toBe(403);
    expect((await api(writeOnly.h, '/advertisements', writeOnly.token)).statusCode).toBe(403);
  });

  it('serves the demo user at /me', async () => {
    const { h, token } = await setup();
    const res = await api(h, '/me', token);
    expect(res.headers['content-type']).toContain('application/hal+json');
    expect(res.json()).toMatchObject({
      email: 'demo@sandbox.2ememain.test',
      _links: { self: { href: `${ISSUER}/api/v1/me` } },
    });
  });

  it('answers 404 in the Marktplaats format for an unknown path', async () => {
    const { h, token } = await setup();
    const res = await api(h, '/nothing-here', token);
    expect(res.statusCode).toBe(404);
    expectMarktplaatsError(res.json(), 'not-found');
  });

  it('counts API requests by status', async () => {
    const { h, token } = await setup();
    await api(h, '/me', token);
    await api(h, '/me', undefined);
    await api(h, '/me', token, { accept: null });
    await api(h, '/nope', token);
    expect(h.sandbox.stats().apiRequests).toEqual({
      total: 4,
      byStatus: { '200': 1, '401': 1, '406': 1, '404': 1 },
    });
  });
});

describe('GET /advertisements paging', () => {
  it('defaults to 20 per page with HAL links and the total', async () => {
    const { h, token } = await setup();
    const res = await api(h, '/advertisements', token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/hal+json');
    const body = res.json();
    expect(body.totalCount).toBe(250);
    expect(body._embedded['mp:advertisement']).toHaveLength(20);
    expect(body._links.self.href).toBe(`${ISSUER}/api/v1/advertisements?offset=0&limit=20`);
    expect(body._links.next.href).toBe(`${ISSUER}/api/v1/advertisements?offset=20&limit=20`);
    expect(body._links.prev).toBeUndefined();
    const ad = body._embedded['mp:advertisement'][0];
    expect(ad.itemId).toMatch(/^m\d{7,}$/);
    expect(ad._links.self.href).toBe(`${ISSUER}/api/v1/advertisements/${ad.itemId}`);
    expect(Object.keys(ad)).toEqual([
      'itemId',
      'title',
      'description',
      'categoryId',
      'priceModel',
      'location',
      'createdAt',
      '_links',
    ]);
  });

  it.each([
    ['limit above 100', 'limit=101'],
    ['limit 0', 'limit=0'],
    ['a non-numeric limit', 'limit=ten'],
    ['a negative offset', 'offset=-20&limit=20'],
    ['an offset not a multiple of limit', 'offset=15&limit=10'],
    ['an offset not a multiple of the default limit', 'offset=10'],
  ])('answers 400 pagination-invalid for %s', async (_name, query) => {
    const { h, token } = await setup();
    const res = await api(h, `/advertisements?${query}`, token);
    expect(res.statusCode).toBe(400);
    expectMarktplaatsError(res.json(), 'pagination-invalid');
  });

  it('walks exactly every ad by following _links.next', async () => {
    const { h, token } = await setup();
    const seen: string[] = [];
    let next: string | undefined = `${ISSUER}/api/v1/advertisements?offset=0&limit=100`;
    let pages = 0;
    while (next) {
      const body = (await api(h, next, token)).json() as {
        _embedded: Record<string, { itemId: string }[]>;
        _links: { next?: { href: string } };
      };
      seen.push(...body._embedded['mp:advertisement']!.map((a) => a.itemId));
      expect(
        body._links.next?.href === undefined || body._links.next.href.startsWith('http://sandbox.test/'),
      ).toBe(true);
      next = body._links.next?.href;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
  });

  it('has no next link when the last page is exactly full', async () => {
    const { h, token } = await setup(undefined, { advertisements: 40 });
    const last = (await api(h, '/advertisements?offset=20&limit=20', token)).json();
    expect(last._embedded['mp:advertisement']).toHaveLength(20);
    expect(last._links.next).toBeUndefined();
    expect(last._links.prev.href).toBe(`${ISSUER}/api/v1/advertisements?offset=0&limit=20`);
  });

  it('seeds the same ads in every sandbox', async () => {
    const a = await setup();
    const b = await setup();
    const first = (await api(a.h, '/advertisements', a.token)).json();
    const second = (await api(b.h, '/advertisements', b.token)).json();
    expect(second._embedded).toEqual(first._embedded);
  });
});

describe('writing advertisements', () => {
  async function post(h: Harness, token: string, body: unknown) {
    return api(h, '/advertisements', token, { method: 'POST', body });
  }

  it('creates an ad: 201, Location, HAL, then listed and readable', async () => {
    const { h, token } = await setup('read write');
    const res = await post(h, token, validAd);
    expect(res.statusCode).toBe(201);
    const ad = res.json();
    expect(ad).toMatchObject({ ...validAd, itemId: expect.stringMatching(/^m\d+$/) });
    expect(res.headers.location).toBe(`${ISSUER}/api/v1/advertisements/${ad.itemId}`);
    expect(ad._links.self.href).toBe(res.headers.location);
    expect((await api(h, '/advertisements', token)).json().totalCount).toBe(251);
    expect((await api(h, `/advertisements/${ad.itemId}`, token)).json().title).toBe(validAd.title);
  });

  it.each([
    ['a missing title', { ...validAd, title: undefined }, [['title', 'missing']]],
    ['an empty title', { ...validAd, title: '  ' }, [['title', 'too-short']]],
    ['a title of 61 characters', { ...validAd, title: 'x'.repeat(61) }, [['title', 'too-long']]],
    [
      'a description of 4001 characters',
      { ...validAd, description: 'x'.repeat(4001) },
      [['description', 'too-long']],
    ],
    ['an unknown category', { ...validAd, categoryId: 999 }, [['categoryId', 'invalid-value']]],
    ['a category as a string', { ...validAd, categoryId: '445' }, [['categoryId', 'invalid-type']]],
    [
      'a fixed price without asking price',
      { ...validAd, priceModel: { modality: 'fixed' } },
      [['priceModel.askingPrice', 'missing']],
    ],
    [
      'a fractional price',
      { ...validAd, priceModel: { modality: 'fixed', askingPrice: 10.5 } },
      [['priceModel.askingPrice', 'invalid-type']],
    ],
    [
      'an unknown modality',
      { ...validAd, priceModel: { modality: 'auction' } },
      [['priceModel.modality', 'invalid-value']],
    ],
    [
      'a Dutch postcode',
      { ...validAd, location: { postcode: '1012 AB' } },
      [['location.postcode', 'invalid-format']],
    ],
    ['an unknown field', { ...validAd, color: 'red' }, [['color', 'unknown-field']]],
    [
      'an unknown nested field',
      { ...validAd, location: { postcode: '1000', city: 'Bruxelles' } },
      [['location.city', 'unknown-field']],
    ],
    [
      'several problems',
      { categoryId: 445, priceModel: { modality: 'free' } },
      [
        ['title', 'missing'],
        ['location', 'missing'],
      ],
    ],
  ])('answers 400 validation-error with details for %s', async (_name, body, expected) => {
    const { h, token } = await setup('read write');
    const res = await post(h, token, body);
    expect(res.statusCode).toBe(400);
    const error = res.json();
    expectMarktplaatsError(error, 'validation-error');
    expect(error.details.map((d: { field: string; code: string }) => [d.field, d.code])).toEqual(expected);
    for (const d of error.details) expect(typeof d.message).toBe('string');
    expect((await api(h, '/advertisements', token)).json().totalCount).toBe(250);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const { h, token } = await setup('read write');
    const res = await h.app.inject({
      method: 'POST',
      url: `${PREFIX}/api/v1/advertisements`,
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'title=x',
    });
    expect(res.statusCode).toBe(415);
    expectMarktplaatsError(res.json(), 'unsupported-media-type');
  });

  it('replaces with PUT (same rules) and deletes with DELETE', async () => {
    const { h, token } = await setup('read write');
    const created = (await post(h, token, validAd)).json();
    const path = `/advertisements/${created.itemId}`;
    const bad = await api(h, path, token, { method: 'PUT', body: { ...validAd, title: '' } });
    expect(bad.statusCode).toBe(400);
    const put = await api(h, path, token, {
      method: 'PUT',
      body: { ...validAd, title: 'Vendu', priceModel: { modality: 'see-description' } },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      itemId: created.itemId,
      title: 'Vendu',
      priceModel: { modality: 'see-description' },
      createdAt: created.createdAt,
    });
    const del = await api(h, path, token, { method: 'DELETE' });
    expect(del.statusCode).toBe(204);
    expect((await api(h, path, token)).statusCode).toBe(404);
    expect((await api(h, path, token, { method: 'DELETE' })).statusCode).toBe(404);
    expect((await api(h, '/advertisements/m1', token, { method: 'PUT', body: validAd })).statusCode).toBe(
      404,
    );
  });
});

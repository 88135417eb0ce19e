import fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { clientAddress, requestIdFor } from './request-id.js';

describe('clientAddress', () => {
  const samples: (string | undefined)[] = [
    undefined,
    '',
    '203.0.113.7',
    ' 203.0.113.7 ',
    '203.0.113.7, 10.0.0.2',
    '203.0.113.7,10.0.0.2, 10.0.0.3',
    ', 10.0.0.2',
    '2001:db8::1, 10.0.0.2',
  ];

  it.each([true, false])('is the address Fastify gives as request.ip (trustProxy %s)', async (trustProxy) => {
    const app = fastify({ trustProxy });
    app.get('/', async (req) => ({ ip: req.ip }));
    for (const xff of samples) {
      const headers = xff === undefined ? {} : { 'x-forwarded-for': xff };
      const res = await app.inject({ url: '/', headers, remoteAddress: '192.0.2.1' });
      const ours = clientAddress({ headers, socket: { remoteAddress: '192.0.2.1' } }, trustProxy);
      expect(ours, `X-Forwarded-For: ${xff}`).toBe(res.json().ip);
    }
    await app.close();
  });
});

describe('requestIdFor', () => {
  it('keeps a plausible caller id and replaces anything else', () => {
    expect(requestIdFor({ 'x-request-id': 'trace-42' })).toBe('trace-42');
    expect(requestIdFor({ 'x-request-id': 'bad id\n' })).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFor({})).toMatch(/^[0-9a-f-]{36}$/);
  });
});

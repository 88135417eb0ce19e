import { describe, expect, it } from 'vitest';
import { pageLinks, parsePagination, validateAdvertisementBody } from '../../src/sandbox/advertisements.js';
import { FaultState } from '../../src/sandbox/faults.js';
import {
  acceptsJson,
  checkPkce,
  formatScope,
  isSubset,
  parseBasicAuthorization,
  parseBearer,
  parseScope,
  redirectUriProblem,
  s256,
} from '../../src/sandbox/protocol.js';
import { basicAuth } from './helpers.js';

describe('parseBasicAuthorization (RFC 6749 §2.3.1)', () => {
  it('form-url-decodes each part after splitting at the first colon', () => {
    expect(parseBasicAuthorization(basicAuth('my:client', 'a b/+:%&=c'))).toEqual({
      clientId: 'my:client',
      clientSecret: 'a b/+:%&=c',
    });
  });

  it('turns an unencoded + into a space, so the secret no longer matches', () => {
    expect(parseBasicAuthorization(basicAuth('id', 'x+y', false))).toEqual({
      clientId: 'id',
      clientSecret: 'x y',
    });
  });

  it('rejects what cannot be decoded', () => {
    expect(parseBasicAuthorization(basicAuth('id', '100%', false))).toBe('malformed');
    expect(parseBasicAuthorization(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBe('malformed');
    expect(parseBasicAuthorization('Basic !!!')).toBe('malformed');
    expect(parseBasicAuthorization('Basic')).toBe('malformed');
    expect(parseBasicAuthorization('Bearer abc')).toBeNull();
  });
});

describe('checkPkce (RFC 7636 §4.6)', () => {
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('matches the RFC 7636 Appendix B example', () => {
    expect(s256(verifier)).toBe(challenge);
    expect(checkPkce(challenge, verifier)).toBe('ok');
  });

  it('names every failure', () => {
    expect(checkPkce(challenge, undefined)).toBe('verifier_missing');
    expect(checkPkce(null, verifier)).toBe('verifier_unexpected');
    expect(checkPkce(challenge, 'short')).toBe('verifier_malformed');
    expect(checkPkce(challenge, `${verifier.slice(0, -1)}l`)).toBe('mismatch');
    expect(checkPkce(null, undefined)).toBe('ok');
  });
});

describe('scopes (RFC 6749 §3.3)', () => {
  it('parses space-separated tokens only', () => {
    expect(parseScope('read write read')).toEqual(['read', 'write']);
    expect(parseScope('read,write')).toEqual(['read,write']);
    expect(parseScope('read  write')).toBeNull();
    expect(parseScope('"read"')).toBeNull();
  });

  it('checks subsets and formats canonically', () => {
    expect(isSubset(['read'], ['read', 'write'])).toBe(true);
    expect(isSubset(['read', 'profile'], ['read', 'write'])).toBe(false);
    expect(formatScope(['profile', 'read'])).toBe('read profile');
  });
});

describe('redirect URIs, Accept and Bearer', () => {
  it('accepts absolute http(s) URIs without fragment', () => {
    expect(redirectUriProblem('https://app.example/cb?x=1')).toBeNull();
    expect(redirectUriProblem('http://127.0.0.1:3000/oauth/callback')).toBeNull();
    expect(redirectUriProblem('https://app.example/cb#')).toMatch(/fragment/);
    expect(redirectUriProblem('ftp://app.example/cb')).toMatch(/http/);
    expect(redirectUriProblem('https://user:pw@app.example/cb')).toMatch(/user/);
  });

  it('requires the literal application/json in Accept', () => {
    expect(acceptsJson('application/hal+json, application/json')).toBe(true);
    expect(acceptsJson('APPLICATION/JSON;q=0.5')).toBe(true);
    expect(acceptsJson('application/hal+json')).toBe(false);
    expect(acceptsJson('*/*')).toBe(false);
    expect(acceptsJson('application/json;q=0')).toBe(false);
    expect(acceptsJson(undefined)).toBe(false);
  });

  it('reads bearer tokens', () => {
    expect(parseBearer('Bearer abc-._~+/=')).toBe('abc-._~+/=');
    expect(parseBearer('bearer abc')).toBe('abc');
    expect(parseBearer('Bearer a b')).toBe('malformed');
    expect(parseBearer('Basic abc')).toBeNull();
    expect(parseBearer(undefined)).toBeNull();
  });
});

describe('paging rules', () => {
  it('accepts limit 1–100 and offsets that are multiples of limit', () => {
    expect(parsePagination(undefined, undefined)).toEqual({ ok: true, offset: 0, limit: 20 });
    expect(parsePagination('200', '100')).toEqual({ ok: true, offset: 200, limit: 100 });
    expect(parsePagination(undefined, '101').ok).toBe(false);
    expect(parsePagination('50', '100').ok).toBe(false);
    expect(parsePagination('01', '1').ok).toBe(false);
  });

  it('links next only while records remain', () => {
    expect(pageLinks('u', 0, 10, 10)).toEqual({ self: { href: 'u?offset=0&limit=10' } });
    expect(pageLinks('u', 10, 10, 25).next).toEqual({ href: 'u?offset=20&limit=10' });
    expect(pageLinks('u', 20, 10, 25).next).toBeUndefined();
  });
});

describe('validateAdvertisementBody', () => {
  it('accepts a minimal valid ad', () => {
    const result = validateAdvertisementBody({
      title: 'x',
      categoryId: 1,
      priceModel: { modality: 'bidding' },
      location: { postcode: '9000' },
    });
    expect(result.ok).toBe(true);
  });

  it('refuses a non-object body', () => {
    expect(validateAdvertisementBody([])).toEqual({
      ok: false,
      details: [{ field: '', code: 'invalid-type', message: 'the body must be a JSON object' }],
    });
  });
});

describe('FaultState', () => {
  it('clears a counted fault once used up', () => {
    const faults = new FaultState();
    faults.set({ token: { mode: 'status', status: 500, count: 1 } });
    expect(faults.next()).toEqual({ kind: 'status', status: 500, error: 'server_error' });
    expect(faults.next()).toEqual({ kind: 'pass' });
    expect(faults.get().token).toEqual({ mode: 'none' });
  });

  it('validates its input', () => {
    expect(() => new FaultState().set({ token: { mode: 'status', status: 200 } })).toThrow();
  });
});

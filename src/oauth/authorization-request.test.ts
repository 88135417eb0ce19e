import { describe, expect, it } from 'vitest';
import { parseConnector } from '../connectors/index.js';
import {
  buildAuthorizationUrl,
  resolveScope,
  returnUrlWithOutcome,
  safeReturnTo,
} from './authorization-request.js';

const connector = parseConnector(
  {
    id: 'acme',
    name: 'Acme',
    auth: {
      type: 'oauth2',
      authorizationUrl: 'https://auth.acme.example/authorize?tenant=7',
      tokenUrl: 'https://auth.acme.example/token',
      defaultScopes: ['read', 'profile'],
      scopeSeparator: ',',
      authorizationParams: { prompt: 'consent', state: 'overridden?' },
    },
    api: { baseUrl: 'https://api.acme.example' },
  },
  'inline',
);

describe('authorization request', () => {
  it('requests the credential’s scope joined by the connector’s separator, else its defaults', () => {
    expect(resolveScope('read write', connector)).toBe('read,write');
    expect(resolveScope('read, write ,admin', connector)).toBe('read,write,admin');
    expect(resolveScope(null, connector)).toBe('read,profile');
    expect(resolveScope(null, { ...connector, auth: { ...connector.auth, defaultScopes: [] } })).toBeNull();
  });

  it('builds the URL with every protocol parameter, keeping the endpoint’s own query', () => {
    const url = new URL(
      buildAuthorizationUrl({
        connector,
        clientId: 'my client',
        redirectUri: 'http://127.0.0.1:3000/oauth/callback',
        scope: 'read,write',
        state: 'abc',
        codeChallenge: 'xyz',
      }),
    );
    expect(url.origin + url.pathname).toBe('https://auth.acme.example/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: '7',
      prompt: 'consent',
      response_type: 'code',
      client_id: 'my client',
      redirect_uri: 'http://127.0.0.1:3000/oauth/callback',
      scope: 'read,write',
      state: 'abc',
      code_challenge: 'xyz',
      code_challenge_method: 'S256',
    });
  });

  it('omits scope and PKCE when there are none', () => {
    const url = new URL(
      buildAuthorizationUrl({
        connector,
        clientId: 'c',
        redirectUri: 'http://x/cb',
        scope: null,
        state: 's',
        codeChallenge: null,
      }),
    );
    expect(url.searchParams.has('scope')).toBe(false);
    expect(url.searchParams.has('code_challenge')).toBe(false);
  });
});

describe('return addresses', () => {
  const pub = 'http://127.0.0.1:3000';
  it.each([
    ['/connectors/2ememain', '/connectors/2ememain'],
    ['/oauth/complete?x=1#top', '/oauth/complete?x=1#top'],
    ['http://127.0.0.1:3000/credentials/c1', '/credentials/c1'],
    // Encoded characters stay inside the path: they cannot split the Location header.
    ['/%0d%0aSet-Cookie:x', '/%0d%0aSet-Cookie:x'],
  ])('accepts %s', (input, out) => {
    expect(safeReturnTo(input, pub)).toBe(out);
  });

  it.each([
    'https://evil.example/',
    '//evil.example/x',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    'http://127.0.0.1:3001/x',
    'https://127.0.0.1:3000/x',
    'evil.example',
    '/a\nb',
    '',
  ])('refuses %s', (input) => {
    expect(safeReturnTo(input, pub)).toBeNull();
  });

  it('appends the outcome', () => {
    expect(
      returnUrlWithOutcome('/oauth/complete?a=1', {
        result: 'error',
        credentialId: 'c1',
        errorCode: 'invalid_grant',
        errorMessage: 'bad & worse',
      }),
    ).toBe(
      '/oauth/complete?a=1&oauth_result=error&credential_id=c1&error_code=invalid_grant&error_message=bad+%26+worse',
    );
  });
});

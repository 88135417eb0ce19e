import { describe, expect, it } from 'vitest';
import { BrowserClient, parseForms, textOf } from './browser-client.js';
import { createHarness, ISSUER, PREFIX, REDIRECT_URI, register } from './helpers.js';

describe('dynamic client registration (RFC 7591)', () => {
  it('registers a client and shows its secret once, with the registered metadata', async () => {
    const h = await createHarness();
    const res = await h.app.inject({
      method: 'POST',
      url: `${PREFIX}/register`,
      payload: {
        client_name: 'Broker',
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'read write',
      },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toMatchObject({
      client_name: 'Broker',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'read write',
      client_secret_expires_at: 0,
    });
    expect(body.client_id).toMatch(/^sbx-/);
    expect(body.client_secret.length).toBeGreaterThanOrEqual(43);
    expect(body.client_id_issued_at).toBe(Math.floor(h.now() / 1000));
    expect(h.sandbox.stats().registrations).toBe(1);
  });

  it('defaults to client_secret_post, and accepts a chosen secret and token lifetime (sandbox extensions)', async () => {
    const h = await createHarness();
    const body = await register(h, { client_secret: 'a b/+:%&=c', access_token_ttl_s: 2 });
    expect(body.token_endpoint_auth_method).toBe('client_secret_post');
    expect(body.client_secret).toBe('a b/+:%&=c');
    expect(body.access_token_ttl_s).toBe(2);
  });

  it.each([
    ['no redirect_uris', {}, 'invalid_redirect_uri'],
    ['an empty list', { redirect_uris: [] }, 'invalid_redirect_uri'],
    ['a relative URI', { redirect_uris: ['/callback'] }, 'invalid_redirect_uri'],
    ['a fragment', { redirect_uris: ['https://app.example/cb#x'] }, 'invalid_redirect_uri'],
    ['a custom scheme', { redirect_uris: ['myapp://cb'] }, 'invalid_redirect_uri'],
    [
      'an unknown auth method',
      { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'private_key_jwt' },
      'invalid_client_metadata',
    ],
    [
      'auth method none',
      { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' },
      'invalid_client_metadata',
    ],
    [
      'an unknown grant type',
      { redirect_uris: [REDIRECT_URI], grant_types: ['password'] },
      'invalid_client_metadata',
    ],
    ['an unknown scope', { redirect_uris: [REDIRECT_URI], scope: 'read admin' }, 'invalid_client_metadata'],
    [
      'an implicit response type',
      { redirect_uris: [REDIRECT_URI], response_types: ['token'] },
      'invalid_client_metadata',
    ],
  ])('refuses %s', async (_name, payload, error) => {
    const h = await createHarness();
    const res = await h.app.inject({ method: 'POST', url: `${PREFIX}/register`, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error });
    expect(typeof res.json().error_description).toBe('string');
    expect(h.sandbox.stats().registrations).toBe(0);
  });

  it('refuses a body that is not JSON', async () => {
    const h = await createHarness();
    const form = await h.app.inject({
      method: 'POST',
      url: `${PREFIX}/register`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `redirect_uris=${encodeURIComponent(REDIRECT_URI)}`,
    });
    expect(form.statusCode).toBe(400);
    expect(form.json().error).toBe('invalid_client_metadata');
    const broken = await h.app.inject({
      method: 'POST',
      url: `${PREFIX}/register`,
      headers: { 'content-type': 'application/json' },
      payload: '{"redirect_uris": [',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error).toBe('invalid_client_metadata');
  });

  it('ignores metadata it does not understand (RFC 7591 §2)', async () => {
    const h = await createHarness();
    const body = await register(h, { logo_uri: 'https://app.example/logo.png', software_id: 'x' });
    expect(body.client_id).toBeTruthy();
    expect(body).not.toHaveProperty('software_id');
  });
});

describe('authorization server metadata (RFC 8414)', () => {
  it('derives every endpoint from the issuer', async () => {
    const h = await createHarness();
    const res = await h.app.inject(`${PREFIX}/.well-known/oauth-authorization-server`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/oauth/authorize`,
      token_endpoint: `${ISSUER}/oauth/token`,
      revocation_endpoint: `${ISSUER}/oauth/revoke`,
      registration_endpoint: `${ISSUER}/register`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      revocation_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['read', 'write', 'profile'],
      authorization_response_iss_parameter_supported: true,
    });
  });
});

describe('Developer > API Settings page', () => {
  const page = `${ISSUER}/developer/api-settings`;

  it('registers an application from the form and shows the secret only once', async () => {
    const h = await createHarness();
    const browser = new BrowserClient(h.fetch);
    const empty = await browser.get(page);
    expect(empty.status).toBe(200);
    expect(empty.html).toContain('Sandbox — not the real 2ememain');
    const created = await browser.submitForm(empty, {
      labels: {
        'Application name': 'My <b>broker</b>',
        'Redirect URIs': `${REDIRECT_URI}\r\nhttps://app.example/cb\n`,
      },
      button: 'Register application',
    });
    expect(created.status).toBe(200);
    const clientId = /id="client-id">([^<]+)</.exec(created.html)?.[1];
    const secret = /id="client-secret">([^<]+)</.exec(created.html)?.[1];
    expect(clientId).toMatch(/^sbx-/);
    expect(secret).toBeTruthy();
    expect(created.html).toContain('My &#60;b&#62;broker&#60;/b&#62;');
    expect(created.html).not.toContain('<b>broker</b>');

    const again = await browser.get(page);
    expect(again.html).toContain(clientId!);
    expect(again.html).not.toContain(secret!);
    expect(textOf(again.html)).toContain('https://app.example/cb');
  });

  it('labels every input', async () => {
    const h = await createHarness();
    const html = (await new BrowserClient(h.fetch).get(page)).html;
    const [form] = parseForms(html);
    const visible = form!.controls.filter((c) => c.type !== 'hidden');
    expect(visible.length).toBeGreaterThan(0);
    for (const control of visible) expect([...form!.labels.values()]).toContain(control.name);
  });

  it('shows the problem and keeps the input when a redirect URI is invalid', async () => {
    const h = await createHarness();
    const browser = new BrowserClient(h.fetch);
    const res = await browser.submitForm(await browser.get(page), {
      labels: { 'Application name': 'Broker', 'Redirect URIs': 'not a url' },
      button: 'Register application',
    });
    expect(res.status).toBe(400);
    expect(textOf(res.html)).toContain('redirect URI not a url must be an absolute URI');
    expect(res.html).toContain('value="Broker"');
    expect(h.sandbox.stats().registrations).toBe(0);
  });

  it('refuses a form posted without the session it was served to (CSRF)', async () => {
    const h = await createHarness();
    const victim = new BrowserClient(h.fetch);
    const formPage = await victim.get(page);
    const attacker = new BrowserClient(h.fetch);
    const res = await attacker.submitForm(formPage, {
      labels: { 'Application name': 'Evil', 'Redirect URIs': 'https://evil.example/cb' },
    });
    expect(res.status).toBe(403);
    expect(h.sandbox.stats().registrations).toBe(0);
  });
});

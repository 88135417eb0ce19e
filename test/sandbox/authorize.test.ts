import { describe, expect, it } from 'vitest';
import { approveInBrowser, BrowserClient, parseForms, textOf } from './browser-client.js';
import {
  authorizationUrl,
  createHarness,
  DEMO,
  ISSUER,
  pkcePair,
  REDIRECT_URI,
  register,
  type Harness,
} from './helpers.js';

async function open(h: Harness, url: string, browser = new BrowserClient(h.fetch)) {
  return { browser, page: await browser.get(url) };
}

function redirectParams(location: string | undefined): URLSearchParams {
  expect(location).toBeDefined();
  expect(location!.startsWith(`${REDIRECT_URI}?`)).toBe(true);
  return new URL(location!).searchParams;
}

describe('authorization endpoint: requests that must not redirect (RFC 6749 §4.1.2.1)', () => {
  it.each([
    ['an unknown client_id', (id: string) => authorizationUrl(`${id}x`)],
    [
      'a missing client_id',
      () => `${ISSUER}/oauth/authorize?response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
    ],
    [
      'a redirect_uri with a trailing slash',
      (id: string) => authorizationUrl(id, { redirect_uri: `${REDIRECT_URI}/` }),
    ],
    [
      'a redirect_uri on another port',
      (id: string) => authorizationUrl(id, { redirect_uri: 'http://127.0.0.1:3001/oauth/callback' }),
    ],
    [
      'a redirect_uri with an extra query',
      (id: string) => authorizationUrl(id, { redirect_uri: `${REDIRECT_URI}?next=/` }),
    ],
    ['a repeated client_id', (id: string) => `${authorizationUrl(id)}&client_id=${id}`],
  ])('shows an error page for %s', async (_name, url) => {
    const h = await createHarness();
    const client = await register(h);
    const { page } = await open(h, url(client.client_id));
    expect(page.status).toBe(400);
    expect(page.location).toBeUndefined();
    expect(page.headers.get('location')).toBeNull();
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.html).toContain('Sandbox — not the real 2ememain');
  });

  it('needs redirect_uri when the client registered several', async () => {
    const h = await createHarness();
    const client = await register(h, { redirect_uris: [REDIRECT_URI, 'https://app.example/cb'] });
    const url = `${ISSUER}/oauth/authorize?response_type=code&client_id=${client.client_id}`;
    const { page } = await open(h, url);
    expect(page.status).toBe(400);
    expect(page.location).toBeUndefined();
  });
});

describe('authorization endpoint: errors sent back to the client', () => {
  it.each([
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['no response_type', { response_type: '' }, 'invalid_request'],
    ['an unknown scope', { scope: 'read admin' }, 'invalid_scope'],
    ['comma-separated scopes', { scope: 'read,write' }, 'invalid_scope'],
    [
      'code_challenge_method=plain',
      { code_challenge: pkcePair().challenge, code_challenge_method: 'plain' },
      'invalid_request',
    ],
    ['a challenge without method', { code_challenge: pkcePair().challenge }, 'invalid_request'],
    [
      'a malformed challenge',
      { code_challenge: 'too-short', code_challenge_method: 'S256' },
      'invalid_request',
    ],
    ['a method without challenge', { code_challenge_method: 'S256' }, 'invalid_request'],
  ])('redirects with an error for %s', async (_name, params, error) => {
    const h = await createHarness();
    const client = await register(h);
    const { page } = await open(h, authorizationUrl(client.client_id, params));
    expect(page.status).toBe(302);
    const q = redirectParams(page.location);
    expect(q.get('error')).toBe(error);
    expect(q.get('error_description')).toBeTruthy();
    expect(q.get('state')).toBe('st-123');
    expect(q.get('iss')).toBe(ISSUER);
    expect(q.get('code')).toBeNull();
  });

  it('refuses a scope the client did not register', async () => {
    const h = await createHarness();
    const client = await register(h, { scope: 'read' });
    const { page } = await open(h, authorizationUrl(client.client_id, { scope: 'read write' }));
    expect(redirectParams(page.location).get('error')).toBe('invalid_scope');
  });
});

describe('sign-in and consent', () => {
  it('shows a labelled sign-in form with the demo account, then the consent page', async () => {
    const h = await createHarness();
    const client = await register(h, { client_name: 'Latchkey <dev>' });
    const { browser, page } = await open(h, authorizationUrl(client.client_id, { scope: 'read write' }));
    expect(page.status).toBe(200);
    const [form] = parseForms(page.html);
    expect([...form!.labels.keys()]).toEqual(['Email', 'Password']);
    expect(form!.buttons.map((b) => b.text)).toEqual(['Sign in']);
    expect(textOf(page.html)).toContain('demo@sandbox.2ememain.test');
    expect(textOf(page.html)).toContain('Latchkey <dev>');
    expect(page.html).not.toContain('Latchkey <dev>');
    const cookie = page.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/sandbox\/2ememain(;|$)/);

    const afterSignIn = await browser.submitForm(page, {
      labels: { Email: DEMO.email, Password: DEMO.password },
      button: 'Sign in',
    });
    expect(afterSignIn.status).toBe(303);
    const consent = await browser.get(afterSignIn.location!);
    expect(consent.status).toBe(200);
    expect(parseForms(consent.html)[0]!.buttons.map((b) => b.text)).toEqual(['Authorize', 'Deny']);
    expect(textOf(consent.html)).toContain('Authorize Latchkey <dev>?');
    expect(textOf(consent.html)).toContain('read');
    expect(textOf(consent.html)).toContain('write');
    expect(consent.headers.get('x-frame-options')).toBe('DENY');
  });

  it('shows an error and stays on the sign-in page for a wrong password', async () => {
    const h = await createHarness();
    const client = await register(h);
    const { browser, page } = await open(h, authorizationUrl(client.client_id));
    const wrong = await browser.submitForm(page, {
      labels: { Email: DEMO.email, Password: 'wrong' },
      button: 'Sign in',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.location).toBeUndefined();
    expect(textOf(wrong.html)).toContain('Wrong email or password.');
    const right = await browser.submitForm(wrong, {
      labels: { Email: DEMO.email, Password: DEMO.password },
      button: 'Sign in',
    });
    expect(right.status).toBe(303);
  });

  it('fails approveInBrowser with the page text on a wrong password', async () => {
    const h = await createHarness();
    const client = await register(h);
    await expect(
      approveInBrowser(authorizationUrl(client.client_id), {
        email: DEMO.email,
        password: 'nope',
        decision: 'authorize',
        fetch: h.fetch,
      }),
    ).rejects.toThrow(/Wrong email or password/);
  });

  it('redirects with code, state and iss on Authorize', async () => {
    const h = await createHarness();
    const client = await register(h);
    const final = await approveInBrowser(authorizationUrl(client.client_id), {
      ...DEMO,
      decision: 'authorize',
      fetch: h.fetch,
    });
    const q = redirectParams(final);
    expect(q.get('code')!.length).toBeGreaterThanOrEqual(43);
    expect(q.get('state')).toBe('st-123');
    expect(q.get('iss')).toBe(ISSUER);
    expect(h.sandbox.stats().authorizations).toEqual({ approved: 1, denied: 0 });
  });

  it('redirects with access_denied on Deny', async () => {
    const h = await createHarness();
    const client = await register(h);
    const final = await approveInBrowser(authorizationUrl(client.client_id), {
      ...DEMO,
      decision: 'deny',
      fetch: h.fetch,
    });
    const q = redirectParams(final);
    expect(q.get('error')).toBe('access_denied');
    expect(q.get('error_description')).toBeTruthy();
    expect(q.get('state')).toBe('st-123');
    expect(q.get('iss')).toBe(ISSUER);
    expect(q.get('code')).toBeNull();
    expect(h.sandbox.stats().authorizations).toEqual({ approved: 0, denied: 1 });
  });

  it('keeps the query of a registered redirect URI', async () => {
    const h = await createHarness();
    const uri = 'https://app.example/cb?tenant=7';
    const client = await register(h, { redirect_uris: [uri] });
    const final = await approveInBrowser(authorizationUrl(client.client_id, { redirect_uri: uri }), {
      ...DEMO,
      decision: 'authorize',
      fetch: h.fetch,
    });
    const url = new URL(final);
    expect(url.origin + url.pathname).toBe('https://app.example/cb');
    expect(url.searchParams.get('tenant')).toBe('7');
    expect(url.searchParams.get('code')).toBeTruthy();
  });

  it('skips the sign-in for a browser that is already signed in', async () => {
    const h = await createHarness();
    const client = await register(h);
    const browser = new BrowserClient(h.fetch);
    await approveInBrowser(authorizationUrl(client.client_id), {
      ...DEMO,
      decision: 'authorize',
      client: browser,
    });
    const second = await browser.get(authorizationUrl(client.client_id));
    expect(parseForms(second.html)[0]!.buttons.map((b) => b.text)).toEqual(['Authorize', 'Deny']);
  });
});

describe('forms bound to the browser session (CSRF)', () => {
  async function consentOfVictim(h: Harness, clientId: string) {
    const victim = new BrowserClient(h.fetch);
    const signIn = await victim.get(authorizationUrl(clientId));
    const redirect = await victim.submitForm(signIn, {
      labels: { Email: DEMO.email, Password: DEMO.password },
    });
    return { victim, consent: await victim.get(redirect.location!) };
  }

  it('refuses a consent form submitted from another browser, even a signed-in one', async () => {
    const h = await createHarness();
    const client = await register(h);
    const { consent } = await consentOfVictim(h, client.client_id);
    const attacker = new BrowserClient(h.fetch);
    const anonymous = await attacker.submitForm(consent, { button: 'Authorize' });
    expect(anonymous.status).toBe(400);
    expect(anonymous.location).toBeUndefined();
    await approveInBrowser(authorizationUrl(client.client_id), {
      ...DEMO,
      decision: 'deny',
      client: attacker,
    });
    const signedIn = await attacker.submitForm(consent, { button: 'Authorize' });
    expect(signedIn.status).toBe(400);
    expect(signedIn.location).toBeUndefined();
    expect(h.sandbox.stats().authorizations.approved).toBe(0);
  });

  it('refuses a sign-in form posted without the session that opened it', async () => {
    const h = await createHarness();
    const client = await register(h);
    const { page } = await open(h, authorizationUrl(client.client_id));
    const other = await new BrowserClient(h.fetch).submitForm(page, {
      labels: { Email: DEMO.email, Password: DEMO.password },
    });
    expect(other.status).toBe(400);
    expect(other.location).toBeUndefined();
  });

  it('answers a consent only once', async () => {
    const h = await createHarness();
    const client = await register(h);
    const { victim, consent } = await consentOfVictim(h, client.client_id);
    const first = await victim.submitForm(consent, { button: 'Authorize' });
    expect(first.status).toBe(302);
    const second = await victim.submitForm(consent, { button: 'Authorize' });
    expect(second.status).toBe(400);
    expect(second.location).toBeUndefined();
  });

  it('forgets a pending request after ten minutes', async () => {
    const h = await createHarness();
    const client = await register(h);
    const { victim, consent } = await consentOfVictim(h, client.client_id);
    h.advance(10 * 60_000 + 1);
    const late = await victim.submitForm(consent, { button: 'Authorize' });
    expect(late.status).toBe(400);
    expect(textOf(late.html)).toContain('expired');
  });
});

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  apiPost,
  consentInSandbox,
  HAS_CHROMIUM,
  launchBrowser,
  NARROW,
  newContext,
  NO_CHROMIUM_REASON,
  registerSandboxApp,
  SANDBOX,
  screenshot,
  setUpAdmin,
  startLatchkey,
  watchPageErrors,
  type LatchkeyProcess,
} from './harness.js';

interface Credential {
  id: string;
  status: string;
  lastError: { code: string } | null;
}

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'web UI: credentials' : NO_CHROMIUM_REASON, () => {
  let browser: Browser;
  let server: LatchkeyProcess;
  let context: BrowserContext;
  let csrf: string;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    server = await startLatchkey();
    context = await newContext(browser, server.url);
    pageErrors = watchPageErrors(context);
    csrf = await setUpAdmin(context);
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
    await server?.stop();
    expect(pageErrors).toEqual([]);
  });

  async function credentials(): Promise<Credential[]> {
    const res = await context.request.get(`/api/v1/credentials?connector=${SANDBOX}`);
    return ((await res.json()) as { items: Credential[] }).items;
  }

  /** Open the overlay on the sandbox's Authenticate screen and fill it with a freshly registered app. */
  async function fillOverlay(name: string) {
    const app = await registerSandboxApp(server.url);
    await page.goto(`/connectors/${SANDBOX}`);
    await page.getByRole('heading', { name: 'Authenticate' }).waitFor();
    await page.getByRole('button', { name: 'Add Credential', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Credential' });
    await dialog.waitFor();
    await dialog.getByLabel('Credential Name').fill(name);
    await dialog.getByLabel('Credential Description').fill('Seller account of the Brussels store');
    await dialog.getByLabel('Client ID').fill(app.clientId);
    await dialog.getByLabel('Client Secret').fill(app.clientSecret);
    expect(await dialog.getByLabel('Client Secret').getAttribute('type')).toBe('password');
    expect(await dialog.getByLabel('Access Scope').getAttribute('placeholder')).toBeTruthy();
    await dialog.getByText(`${server.url}/oauth/callback`, { exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Copy' }).waitFor();
    return dialog;
  }

  it('adds a credential through the overlay, authorizes it in a popup and shows it active', async () => {
    const dialog = await fillOverlay('Brussels shop');
    await screenshot(page, 'add-credential');

    const popupOpened = page.waitForEvent('popup');
    await dialog.getByRole('button', { name: 'Authorize', exact: true }).click();
    const popup = await popupOpened;
    await popup.getByLabel('Email').waitFor();
    await screenshot(popup, 'sandbox-sign-in');
    await consentInSandbox(popup, 'Authorize');
    await popup.waitForEvent('close');

    await dialog.getByText('Authorized. The credential is active.').waitFor();
    // Saved by Authorize: the secret is never shown again.
    expect(await dialog.getByLabel('Client Secret').inputValue()).toBe('');
    expect(await dialog.getByLabel('Client Secret').getAttribute('placeholder')).toBe('••• set');
    await screenshot(page, 'add-credential-authorized');
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    const tile = page.getByRole('radio', { name: /Brussels shop/ });
    await tile.waitFor();
    expect(await tile.getAttribute('aria-checked')).toBe('true');
    expect(await tile.textContent()).toContain('Active');
    expect(await tile.textContent()).toMatch(/Token expires in/);
    const [stored] = await credentials();
    expect(stored?.status).toBe('active');
    await screenshot(page, 'authenticate');

    // The detail page: status, actions, a passing test against the sandbox API.
    await page.getByRole('link', { name: 'Details' }).click();
    await page.getByRole('heading', { name: /Brussels shop/ }).waitFor();
    for (const name of ['Re-authorize', 'Test', 'Revoke', 'Delete']) {
      await page.getByRole('button', { name, exact: true }).waitFor();
    }
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page.getByText(/Test passed/).waitFor();
    await screenshot(page, 'credential-detail', true);

    // Delete asks first, then goes back to the Authenticate screen.
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete this credential?' });
    await confirm.waitFor();
    await screenshot(page, 'credential-delete');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('button', { name: 'Delete credential' }).click();
    await page.getByRole('heading', { name: 'Authenticate' }).waitFor();
    expect(await credentials()).toEqual([]);
  });

  it('shows a denial in the overlay and leaves the credential pending', async () => {
    const dialog = await fillOverlay('Denied shop');
    const popupOpened = page.waitForEvent('popup');
    await dialog.getByRole('button', { name: 'Authorize', exact: true }).click();
    const popup = await popupOpened;
    await consentInSandbox(popup, 'Deny');
    await popup.waitForEvent('close');

    const alert = dialog.getByRole('alert');
    await alert.getByText(/denied by the user/).waitFor();
    await screenshot(page, 'add-credential-denied');

    // Esc closes the overlay; the saved credential stays pending, with the denial recorded.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    const tile = page.getByRole('radio', { name: /Denied shop/ });
    expect(await tile.textContent()).toContain('Pending authorization');
    const [stored] = await credentials();
    expect(stored?.status).toBe('pending_authorization');
    expect(stored?.lastError?.code).toBe('access_denied');
  });

  it('falls back to a full-page redirect when the popup is blocked, and shows the outcome on return', async () => {
    await page.addInitScript('window.open = () => null');
    const dialog = await fillOverlay('Redirected shop');
    await dialog.getByRole('button', { name: 'Authorize', exact: true }).click();
    await consentInSandbox(page, 'Authorize');
    await page.getByRole('heading', { name: 'Authenticate' }).waitFor();
    const back = page.getByRole('dialog', { name: 'Edit Credential' });
    await back.getByText('Authorized. The credential is active.').waitFor();
    expect(new URL(page.url()).searchParams.get('oauth_result')).toBeNull();
    await back.getByRole('button', { name: 'Save', exact: true }).click();
    const tile = page.getByRole('radio', { name: /Redirected shop/ });
    expect(await tile.getAttribute('aria-checked')).toBe('true');
    expect(await tile.textContent()).toContain('Active');
  });

  it('moves between credential tiles with the keyboard and fits a narrow window', async () => {
    for (const name of ['First account', 'Second account']) {
      await apiPost(context, csrf, '/api/v1/credentials', {
        connector: SANDBOX,
        name,
        clientId: 'sbx-client',
        clientSecret: 'secret',
      });
    }
    await page.setViewportSize(NARROW);
    await page.goto(`/connectors/${SANDBOX}`);
    const tiles = page.getByRole('radio');
    await tiles.first().waitFor();
    expect(await tiles.count()).toBe(2);
    await tiles.first().focus();
    await page.keyboard.press('Space');
    const first = await tiles.first().getAttribute('aria-checked');
    await page.keyboard.press('ArrowDown');
    expect(first).toBe('true');
    expect(await tiles.nth(1).getAttribute('aria-checked')).toBe('true');
    expect(await tiles.first().getAttribute('aria-checked')).toBe('false');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'authenticate-narrow');

    // The overlay is a focus-trapped dialog: Tab stays inside, Esc closes and focus comes back.
    await page.getByRole('button', { name: 'Add Credential', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add Credential' });
    await dialog.waitFor();
    await screenshot(page, 'add-credential-narrow');
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate<boolean>('!!document.activeElement.closest("dialog")')).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.evaluate<string>('document.activeElement.getAttribute("aria-label")')).toBe(
      'Add Credential',
    );
  });
});

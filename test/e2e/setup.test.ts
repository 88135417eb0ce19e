import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  HAS_CHROMIUM,
  launchBrowser,
  NARROW,
  newContext,
  NO_CHROMIUM_REASON,
  screenshot,
  startLatchkey,
  type LatchkeyProcess,
} from './harness.js';

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'web UI: first run and sign-in' : NO_CHROMIUM_REASON, () => {
  let browser: Browser;
  let server: LatchkeyProcess;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    server = await startLatchkey();
  });
  afterEach(async () => {
    await server?.stop();
  });

  it('sets up the admin account on first run, then signs out and in again', async () => {
    const context = await newContext(browser, server.url);
    const page = await context.newPage();

    await page.goto('/');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/setup');
    await page.getByRole('heading', { name: 'Set up Latchkey' }).waitFor();
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await screenshot(page, 'setup');
    await page.getByRole('button', { name: 'Create admin account' }).click();

    await page.getByRole('heading', { name: 'Connectors' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/connectors');
    const sandbox = page.getByRole('link', { name: /2ememain.*Sandbox/ });
    await sandbox.waitFor();
    await expect.poll(() => sandbox.textContent()).toContain('Sandbox');
    await screenshot(page, 'connectors');

    // The setup page is gone once an admin exists.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.goto('/setup');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/signin');

    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Wrong email or password.').waitFor();
    await page.getByLabel('Password').fill(ADMIN.password);
    await screenshot(page, 'signin');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Connectors' }).waitFor();

    // A deep link survives signing in.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.goto('/sources');
    await expect.poll(() => page.url()).toContain('/signin?next=%2Fsources');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/sources');
    await context.close();
  });

  it('fits a narrow window', async () => {
    const context = await newContext(browser, server.url, NARROW);
    const res = await context.request.post('/api/v1/setup', { data: ADMIN });
    expect(res.status()).toBe(201);
    const page = await context.newPage();
    await page.goto('/connectors');
    await page.getByRole('heading', { name: 'Connectors' }).waitFor();
    await page.getByRole('link', { name: /2ememain.*Sandbox/ }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'connectors-narrow');
    await context.close();
  });
});

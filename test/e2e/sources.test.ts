import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  apiPost,
  consentInSandbox,
  HAS_CHROMIUM,
  launchBrowser,
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

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'web UI: data sources' : NO_CHROMIUM_REASON, () => {
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

  /** An active sandbox credential: created by the API, authorized in the browser by a full-page redirect. */
  async function activeCredential(name: string): Promise<string> {
    const app = await registerSandboxApp(server.url);
    const { id } = await apiPost<{ id: string }>(context, csrf, '/api/v1/credentials', {
      connector: SANDBOX,
      name,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
    });
    const { authorizationUrl } = await apiPost<{ authorizationUrl: string }>(
      context,
      csrf,
      `/api/v1/credentials/${id}/authorize`,
      { returnTo: `/connectors/${SANDBOX}?credential=${id}` },
    );
    await page.goto(authorizationUrl);
    await consentInSandbox(page, 'Authorize');
    await page.getByRole('dialog').getByText('Authorized. The credential is active.').waitFor();
    await page.keyboard.press('Escape');
    return id;
  }

  it('creates a data source from a selected credential tile, previews its records and runs it', async (ctx) => {
    const sourcesApi = (await context.request.get('/api/v1/sources')).status() !== 404;
    await activeCredential('Brussels shop');

    await page.goto('/sources');
    await page.getByRole('heading', { name: 'Data sources' }).waitFor();
    await page.getByRole('link', { name: 'New source' }).click();
    await page.getByLabel('Connector', { exact: true }).selectOption(SANDBOX);
    await page.getByRole('heading', { name: 'Authenticate' }).waitFor();
    await page.getByRole('radio', { name: /Brussels shop/ }).click();
    await page.getByLabel('Resource', { exact: true }).selectOption('advertisements');
    await page.getByLabel('Name', { exact: true }).fill('Brussels adverts');
    if (!sourcesApi) {
      // The wizard works up to here without the API; saving and previewing need it.
      await screenshot(page, 'source-new', true);
      const reason = 'skipped: the sources API (/api/v1/sources) is not on this server yet';
      console.warn(reason);
      ctx.skip(reason);
    }
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const table = page.getByRole('table');
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(0);
    await screenshot(page, 'source-new', true);

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: 'Brussels adverts' }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/sources\/[A-Za-z0-9_-]+$/);
    const list = (await (await context.request.get('/api/v1/sources')).json()) as {
      items: { name: string }[];
    };
    expect(list.items.map((s) => s.name)).toEqual(['Brussels adverts']);

    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByText('succeeded').waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'Download records' }).waitFor();
    await screenshot(page, 'source-detail', true);
  });
});

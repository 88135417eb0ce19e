/**
 * The Settings area in Chromium against a real server: API keys (shown once, working, revoked), members and
 * roles (the last admin is kept), what a viewer sees, changing the password, the audit log, webhooks and
 * workspaces — and the pages at a phone's width.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/webhooks/index.js';
import {
  ADMIN,
  apiPost,
  HAS_CHROMIUM,
  launchBrowser,
  NARROW,
  newContext,
  NO_CHROMIUM_REASON,
  SANDBOX,
  screenshot,
  setUpAdmin,
  startLatchkey,
  watchPageErrors,
  type LatchkeyProcess,
} from './harness.js';

const VIEWER = { email: 'viewer@example.test', password: 'viewer passphrase 1' };
const EDITOR = { email: 'editor@example.test', password: 'editor passphrase 1' };
const NEW_PASSWORD = 'a brand new passphrase';

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'web UI: settings' : NO_CHROMIUM_REASON, () => {
  let browser: Browser;
  let server: LatchkeyProcess;
  let context: BrowserContext;
  let csrf: string;
  let page: Page;
  let pageErrors: string[];
  const extraContexts: BrowserContext[] = [];

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
    for (const c of extraContexts.splice(0)) await c.close();
    await context?.close();
    await server?.stop();
    expect(pageErrors).toEqual([]);
  });

  const path = () => new URL(page.url()).pathname;
  const bearer = (key: string) =>
    fetch(`${server.url}/api/v1/credentials`, {
      headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
    });

  /** A browser of its own for another person, signed in through the sign-in page. */
  async function signInElsewhere(who: { email: string; password: string }) {
    const other = await newContext(browser, server.url);
    extraContexts.push(other);
    const errors = watchPageErrors(other);
    const p = await other.newPage();
    await p.goto('/signin');
    await p.getByLabel('Email').fill(who.email);
    await p.getByLabel('Password').fill(who.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Connectors' }).waitFor();
    return { page: p, errors };
  }

  it('creates an API key that is shown once and works, then revokes it', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    // Another key exists already, so that the list has more than one row.
    await apiPost(context, csrf, '/api/v1/api-keys', { name: 'Dashboard (read only)', role: 'viewer' });

    await page.goto('/connectors');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await expect.poll(path).toBe('/settings/api-keys');
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    const settingsNav = page.getByRole('navigation', { name: 'Settings' });
    expect(await settingsNav.getByRole('link').allTextContents()).toEqual([
      'API keys',
      'Members',
      'Webhooks',
      'Audit log',
      'Workspaces',
      'Account',
    ]);

    // Esc closes the dialog without creating anything.
    await page.getByRole('button', { name: 'Create API key' }).click();
    let dialog = page.getByRole('dialog', { name: 'Create API key' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Create API key' }).click();
    await dialog.waitFor();
    // Focus starts in the dialog and Tab stays there.
    expect(await page.evaluate('document.activeElement?.getAttribute("name")')).toBe('name');
    for (let i = 0; i < 8; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate('!!document.activeElement?.closest("dialog")')).toBe(true);

    await dialog.getByRole('button', { name: 'Create API key' }).click();
    await dialog.getByText('Enter a name, such as the program that will use the key.').waitFor();
    await dialog.getByLabel('Name').fill('Nightly import');
    const role = dialog.getByLabel('Role');
    expect(await role.locator('option').allTextContents()).toEqual(['Admin', 'Editor', 'Viewer']);
    await role.selectOption('editor');
    await dialog.getByLabel('Expires in (days)').fill('30');
    await dialog.getByRole('button', { name: 'Create API key' }).click();

    dialog = page.getByRole('dialog', { name: 'API key created' });
    await dialog.waitFor();
    await dialog.getByText('this is the only time it is shown').waitFor();
    const key = await dialog.getByLabel('API key').inputValue();
    expect(key.length).toBeGreaterThanOrEqual(24);
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByText('Copied to the clipboard').waitFor({ state: 'attached' });
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(key);

    // The value shown is a working key, with the role it was given.
    const ok = await bearer(key);
    expect(ok.status).toBe(200);
    const who = await fetch(`${server.url}/api/v1/session`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await who.json()) as { role: string }).role).toBe('editor');

    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByRole('row', { name: /Nightly import/ });
    await row.waitFor();
    expect(await row.textContent()).toContain(`…${key.slice(-4)}`);
    expect(await row.textContent()).toMatch(/Editor.*in 30 days.*Never.*Active/);
    // Never again: not in the page, not in the list the API gives.
    expect(await page.content()).not.toContain(key);
    expect(JSON.stringify(await (await context.request.get('/api/v1/api-keys')).json())).not.toContain(key);
    await screenshot(page, 'settings-api-keys');

    await page.getByRole('button', { name: 'Revoke Nightly import' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke this API key?' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await page.getByText('The key “Nightly import” is revoked').waitFor();
    await row.getByText(/^Revoked/).waitFor();
    expect(await page.getByRole('button', { name: 'Revoke Nightly import' }).count()).toBe(0);
    expect((await bearer(key)).status).toBe(401);

    // The audit log lists the creation and the revocation, with the key's name and no secret.
    await settingsNav.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const created = page.getByRole('row', { name: /api_key\.created/ }).filter({ hasText: 'Nightly import' });
    await created.waitFor();
    expect(await created.textContent()).toContain(ADMIN.email);
    expect(await created.textContent()).toContain('editor');
    await page
      .getByRole('row', { name: /api_key\.revoked/ })
      .first()
      .waitFor();
    expect(await page.content()).not.toContain(key);
  });

  it('adds members, keeps the last admin, and shows a viewer no write actions', async () => {
    await apiPost(context, csrf, '/api/v1/users', { ...EDITOR, role: 'editor' });
    await page.goto('/settings/members');
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await page.getByRole('row', { name: /editor@example\.test/ }).waitFor();

    await page.getByRole('button', { name: 'Add member' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add member' });
    await dialog.waitFor();
    expect(await dialog.getByLabel('New account').isChecked()).toBe(true);
    await dialog.getByLabel('Email').fill(VIEWER.email);
    await dialog.getByLabel('Role').selectOption('viewer');
    await dialog.getByLabel('Initial password').fill('short');
    await dialog.getByRole('button', { name: 'Add member' }).click();
    await dialog.getByText('Enter a first password of at least 8 characters.').waitFor();
    await dialog.getByLabel('Initial password').fill(VIEWER.password);
    await dialog.getByRole('button', { name: 'Add member' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText(`${VIEWER.email} has an account now and joined as viewer.`).waitFor();
    const viewerRow = page.getByRole('row', { name: /viewer@example\.test/ });
    await viewerRow.getByText('Viewer', { exact: true }).waitFor();

    // The same email again: the account exists; the dialog offers to add it instead (it is a member).
    await page.getByRole('button', { name: 'Add member' }).click();
    await dialog.getByLabel('Email').fill(VIEWER.email);
    await dialog.getByLabel('Initial password').fill('whatever password');
    await dialog.getByRole('button', { name: 'Add member' }).click();
    await dialog.getByText('An account with this email exists already.').waitFor();
    await dialog.getByRole('button', { name: 'Add the existing account instead' }).click();
    expect(await dialog.getByLabel('Existing account').isChecked()).toBe(true);
    expect(await dialog.getByLabel('Initial password').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Add member' }).click();
    await dialog.getByText('this account is a member already (viewer)').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // Change a role.
    await page.getByRole('button', { name: `Change role of ${EDITOR.email}` }).click();
    const roleDialog = page.getByRole('dialog', { name: 'Change role' });
    await roleDialog.getByLabel('Admin').check();
    await roleDialog.getByRole('button', { name: 'Change role' }).click();
    await roleDialog.waitFor({ state: 'hidden' });
    await page
      .getByRole('row', { name: /editor@example\.test/ })
      .getByText('Admin', { exact: true })
      .waitFor();
    await page.getByRole('button', { name: `Change role of ${EDITOR.email}` }).click();
    await roleDialog.getByLabel('Editor').check();
    await roleDialog.getByRole('button', { name: 'Change role' }).click();
    await roleDialog.waitFor({ state: 'hidden' });
    await page
      .getByRole('row', { name: /editor@example\.test/ })
      .getByText('Editor', { exact: true })
      .waitFor();

    // The last admin can neither step down nor leave: the refusal is shown where it happened.
    await page.getByRole('button', { name: `Change role of ${ADMIN.email}` }).click();
    await roleDialog.getByLabel('Viewer').check();
    await roleDialog.getByRole('button', { name: 'Change role' }).click();
    await roleDialog.getByText('A workspace needs an admin').waitFor();
    await roleDialog.getByText('make another member admin first').waitFor();
    await page.keyboard.press('Escape');
    await roleDialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: `Remove ${ADMIN.email}` }).click();
    const remove = page.getByRole('dialog', { name: 'Remove this member?' });
    await remove.getByText('This is you').waitFor();
    await remove.getByRole('button', { name: 'Remove member' }).click();
    await remove.getByText('A workspace needs an admin').waitFor();
    await remove.getByRole('button', { name: 'Cancel' }).click();
    await page
      .getByRole('row', { name: /admin@example\.test/ })
      .getByText('You', { exact: true })
      .waitFor();
    await screenshot(page, 'settings-members');

    // Remove someone.
    await page.getByRole('button', { name: `Remove ${EDITOR.email}` }).click();
    await remove.getByRole('button', { name: 'Remove member' }).click();
    await remove.waitFor({ state: 'hidden' });
    await page.getByText(`${EDITOR.email} no longer has access to Default.`).waitFor();
    expect(await page.getByRole('row', { name: /editor@example\.test/ }).count()).toBe(0);

    // The viewer, in a browser of its own: settings without a single write action.
    const viewer = await signInElsewhere(VIEWER);
    const v = viewer.page;
    await v.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await expect.poll(() => new URL(v.url()).pathname).toBe('/settings/members');
    const nav = v.getByRole('navigation', { name: 'Settings' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Members', 'Workspaces', 'Account']);
    await v.getByText('Only admins see and manage the members of a workspace').waitFor();
    const writes = /^(Add member|Change role|Remove|Create API key|Revoke|Add webhook|Delete|New workspace)/;
    expect(await v.getByRole('button', { name: writes }).count()).toBe(0);
    for (const [address, text] of [
      ['/settings/api-keys', 'Only admins and editors manage API keys'],
      ['/settings/webhooks', 'Only admins and editors manage webhooks'],
      ['/settings/audit', 'Only admins and editors read the audit log'],
      ['/settings/workspaces', 'Your role'],
    ] as const) {
      await v.goto(address);
      await v.getByText(text).first().waitFor();
      expect(await v.getByRole('button', { name: writes }).count()).toBe(0);
    }
    // Its workspace switcher lists the workspace, without New workspace.
    await v.getByRole('button', { name: /^Workspace: Default/ }).click();
    await v.getByRole('button', { name: /Default.*Viewer/ }).waitFor();
    expect(await v.getByRole('button', { name: /New workspace/ }).count()).toBe(0);
    await v.keyboard.press('Escape');
    // It still changes its own password (its account, not the workspace).
    await v.goto('/settings/account');
    await v.getByRole('button', { name: 'Change password' }).waitFor();
    expect(viewer.errors).toEqual([]);
  });

  it('changes the password: this session stays, the others end, the new one signs in', async () => {
    const elsewhere = await signInElsewhere(ADMIN);
    await page.goto('/settings/account');
    await page.getByRole('heading', { name: 'Account' }).waitFor();
    await page.locator('#main').getByText(ADMIN.email).waitFor();

    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm new password').fill(`${NEW_PASSWORD}!`);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('The two new passwords differ.').waitFor();
    await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('This is not your current password.').waitFor();

    await page.getByLabel('Current password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed').waitFor();
    expect(await page.getByLabel('Current password').inputValue()).toBe('');

    // This session goes on; the other browser's session ended.
    await page.reload();
    await page.getByRole('heading', { name: 'Account' }).waitFor();
    expect(path()).toBe('/settings/account');
    expect((await elsewhere.page.request.get('/api/v1/session')).status()).toBe(401);
    await elsewhere.page.goto('/settings/account');
    await elsewhere.page.getByRole('heading', { name: 'Sign in' }).waitFor();

    // Signing in again: the old password no longer works, the new one does.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Wrong email or password.').waitFor();
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Connectors' }).waitFor();
    expect(elsewhere.errors).toEqual([]);
  });

  it('pages through the audit log and filters it by action and credential, with no secret shown', async () => {
    const secret = 'client-secret-that-must-never-show';
    const cred = await apiPost<{ id: string }>(context, csrf, '/api/v1/credentials', {
      connector: SANDBOX,
      name: 'Antwerp shop',
      clientId: 'antwerp-client',
      clientSecret: secret,
    });
    const patch = await context.request.patch(`/api/v1/credentials/${cred.id}`, {
      data: { description: 'updated', clientSecret: `${secret}-2` },
      headers: { 'x-csrf-token': csrf },
    });
    expect(patch.ok()).toBe(true);
    for (let i = 1; i <= 30; i++) {
      await apiPost(context, csrf, '/api/v1/api-keys', { name: `Batch key ${i}`, role: 'viewer' });
    }

    await page.goto('/settings/audit');
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const rows = page.locator('tbody tr');
    await page.getByRole('row', { name: /Batch key 30/ }).waitFor();
    expect(await rows.count()).toBe(25);
    await page.getByText('Page 1').waitFor();
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.getByText('Page 2').waitFor();
    await page.getByRole('row', { name: /Batch key 5\b/ }).waitFor();
    await page.getByRole('row', { name: /credential\.created/ }).waitFor();
    await page.getByRole('button', { name: '← Newer' }).click();
    await page.getByRole('row', { name: /Batch key 30/ }).waitFor();

    // By credential: its events only, named, linked; the filter is in the address.
    await page.getByLabel('Credential').selectOption({ label: 'Antwerp shop' });
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.url()).toContain(`credentialId=${cred.id}`);
    await page.getByRole('row', { name: /credential\.updated/ }).waitFor();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.getByRole('row', { name: /api_key/ }).count()).toBe(0);
    await page.getByRole('link', { name: 'Antwerp shop' }).first().waitFor();

    // By action (typed), then cleared.
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => page.url()).not.toContain('credentialId');
    await page.getByLabel('Action').fill('credential.created');
    await page.getByLabel('Action').press('Enter');
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByRole('row', { name: /credential\.created/ }).waitFor();
    expect(await page.content()).not.toContain(secret);

    // A credential's page links to its own events.
    await page.goto(`/credentials/${cred.id}`);
    await page.getByRole('link', { name: 'Audit log' }).click();
    await expect.poll(() => page.url()).toContain(`/settings/audit?credentialId=${cred.id}`);
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.getByLabel('Credential').inputValue()).toBe(cred.id);
  });

  it('adds a webhook (its secret shown once), shows its deliveries and deletes it', async () => {
    const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/latchkey`;
    try {
      await page.goto('/settings/webhooks');
      await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
      await page.getByText('No webhooks yet.').waitFor();
      await page.getByRole('button', { name: 'Add webhook' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add webhook' });
      await dialog.getByLabel('Endpoint URL').fill('ftp://example.com');
      await dialog.getByRole('button', { name: 'Add webhook' }).click();
      await dialog.getByText('Enter an http:// or https:// URL.').waitFor();
      await dialog.getByLabel('Endpoint URL').fill(hookUrl);
      const events = dialog.getByRole('group', { name: 'Events' }).getByRole('checkbox');
      expect(await events.count()).toBe(6);
      for (const box of await events.all()) await box.uncheck();
      await dialog.getByRole('button', { name: 'Add webhook' }).click();
      await dialog.getByText('Choose at least one event.').waitFor();
      await dialog.getByLabel(/credential\.deleted/).check();
      await dialog.getByLabel('Description').fill('Ops alerts');
      await dialog.getByRole('button', { name: 'Add webhook' }).click();

      const created = page.getByRole('dialog', { name: 'Webhook added' });
      await created.getByText('this is the only time it is shown').waitFor();
      const secret = await created.getByLabel('Signing secret').inputValue();
      expect(secret).toMatch(/^whsec_/);
      await created.getByRole('button', { name: 'Done' }).click();
      const item = page.getByRole('listitem').filter({ hasText: hookUrl });
      await item.getByText('Ops alerts').waitFor();
      expect(await page.content()).not.toContain(secret);

      // A credential event: delivered, signed with the secret that was shown.
      const cred = await apiPost<{ id: string }>(context, csrf, '/api/v1/credentials', {
        connector: SANDBOX,
        name: 'Short-lived',
        clientId: 'x',
        clientSecret: 'y',
      });
      const del = await context.request.delete(`/api/v1/credentials/${cred.id}`, {
        headers: { 'x-csrf-token': csrf },
      });
      expect(del.status()).toBe(204);
      await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
      const r = received[0]!;
      expect(
        verifyWebhook(
          secret,
          String(r.headers['webhook-id']),
          Number(r.headers['webhook-timestamp']),
          r.body,
          String(r.headers['webhook-signature']),
        ),
      ).toBe(true);

      await item.getByRole('button', { name: /^Deliveries/ }).click();
      const delivery = item.getByRole('row', { name: /credential\.deleted/ });
      await delivery.waitFor();
      await expect
        .poll(async () => {
          await item.getByRole('button', { name: 'Refresh the deliveries' }).click();
          return delivery.textContent();
        })
        .toMatch(/delivered.*HTTP 204/);
      expect(await item.getByRole('button', { name: /Hide deliveries/ }).getAttribute('aria-expanded')).toBe(
        'true',
      );

      await item.getByRole('button', { name: /^Delete/ }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete this webhook?' });
      await confirm.getByRole('button', { name: 'Delete webhook' }).click();
      await confirm.waitFor({ state: 'hidden' });
      await page.getByText('No webhooks yet.').waitFor();
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  it('creates a workspace from the header, switches between workspaces and adds an existing account', async () => {
    await apiPost(context, csrf, '/api/v1/users', { ...VIEWER, role: 'viewer' });
    await apiPost(context, csrf, '/api/v1/api-keys', { name: 'Default workspace key', role: 'viewer' });
    await page.goto('/settings/api-keys');
    await page.getByRole('row', { name: /Default workspace key/ }).waitFor();

    const switcher = page.getByRole('button', { name: /^Workspace: / });
    expect(await switcher.textContent()).toContain('Default');
    await switcher.click();
    expect(await switcher.getAttribute('aria-expanded')).toBe('true');
    await page.getByRole('button', { name: 'New workspace…' }).click();
    const dialog = page.getByRole('dialog', { name: 'New workspace' });
    await dialog.getByLabel('Workspace name').fill('Staging');
    await dialog.getByRole('button', { name: 'Create workspace' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => switcher.textContent()).toContain('Staging');

    // The page starts over in the new workspace: its own (empty) keys, its own members.
    await page.getByText('No API keys in this workspace yet.').waitFor();
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Members' }).click();
    await page.getByRole('row', { name: /admin@example\.test/ }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);

    await page.getByRole('button', { name: 'Add member' }).click();
    const add = page.getByRole('dialog', { name: 'Add member' });
    await add.getByLabel('Existing account').check();
    await add.getByLabel('Email').fill('nobody@example.test');
    await add.getByRole('button', { name: 'Add member' }).click();
    await add.getByText('There is no account with this email yet.').waitFor();
    await add.getByLabel('Email').fill(VIEWER.email);
    await add.getByLabel('Role').selectOption('editor');
    await add.getByRole('button', { name: 'Add member' }).click();
    await add.waitFor({ state: 'hidden' });
    await page
      .getByRole('row', { name: /viewer@example\.test/ })
      .getByText('Editor', { exact: true })
      .waitFor();

    // Back to Default with the keyboard, from the header.
    await switcher.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: /Default.*Admin/ }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => switcher.textContent()).toContain('Default');
    await page
      .getByRole('row', { name: /viewer@example\.test/ })
      .getByText('Viewer', { exact: true })
      .waitFor();

    // And the list of workspaces in Settings.
    await page.goto('/settings/workspaces');
    await page.getByRole('row', { name: /Default.*Current/ }).waitFor();
    await page.getByRole('button', { name: 'Switch to Staging' }).click();
    await page.getByRole('row', { name: /Staging.*Current/ }).waitFor();
    await expect.poll(() => switcher.textContent()).toContain('Staging');
  });

  it('fits a narrow window', async () => {
    await apiPost(context, csrf, '/api/v1/api-keys', {
      name: 'Nightly import',
      role: 'editor',
      expiresInDays: 30,
    });
    await apiPost(context, csrf, '/api/v1/users', { ...VIEWER, role: 'viewer' });
    const narrow = await newContext(browser, server.url, NARROW);
    extraContexts.push(narrow);
    const errors = watchPageErrors(narrow);
    const res = await narrow.request.post('/api/v1/session', { data: ADMIN });
    expect(res.status()).toBe(200);
    const p = await narrow.newPage();
    for (const address of [
      '/settings/api-keys',
      '/settings/members',
      '/settings/audit',
      '/settings/webhooks',
      '/settings/account',
    ]) {
      await p.goto(address);
      await p.getByRole('navigation', { name: 'Settings' }).waitFor();
      await p.locator('.settings-body h2').waitFor();
      await expect.poll(() => p.locator('.loading').count()).toBe(0);
      const overflow = await p.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow, address).toBeLessThanOrEqual(0);
    }
    await p.goto('/settings/api-keys');
    await p.getByRole('button', { name: 'Create API key' }).click();
    const dialog = p.getByRole('dialog', { name: 'Create API key' });
    await dialog.getByLabel('Name').fill('Phone key');
    await dialog.getByRole('button', { name: 'Create API key' }).click();
    await p.getByRole('dialog', { name: 'API key created' }).getByLabel('API key').waitFor();
    const overflow = await p.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
  });
});

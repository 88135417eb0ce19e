/**
 * End-to-end harness: a real Latchkey process (the compiled `latchkey start`, sandbox on, SQLite in a temp
 * folder, a free port) and Debian's Chromium driven by playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CLI } from '../helpers/cli.js';

export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = fs.existsSync(CHROMIUM);
export const NO_CHROMIUM_REASON = `end-to-end UI tests skipped: ${CHROMIUM} is missing (apt-get install chromium)`;
if (!HAS_CHROMIUM) console.warn(NO_CHROMIUM_REASON);

export const ADMIN = { email: 'admin@example.test', password: 'correct horse battery' };
export const DEMO = { email: 'demo@sandbox.2ememain.test', password: 'demo' };
export const SANDBOX = '2ememain-sandbox';

/**
 * Screenshots go to docs/screenshots/ when LATCHKEY_SCREENSHOTS=1 (to refresh the documentation), else to
 * test-results/screenshots/ (ignored by git), so that a plain `npm test` leaves the work tree clean.
 */
export const SCREENSHOT_DIR = path.resolve(
  process.env.LATCHKEY_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots',
);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface LatchkeyProcess {
  url: string;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

/** Start `latchkey start` on a free port with a fresh data folder; resolves once /healthz answers. */
export async function startLatchkey(extraEnv: Record<string, string> = {}): Promise<LatchkeyProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [CLI, 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      LATCHKEY_HOST: '127.0.0.1',
      LATCHKEY_PUBLIC_URL: url,
      LATCHKEY_DATA_DIR: dataDir,
      LATCHKEY_DATABASE_URL: `sqlite:${path.join(dataDir, 'db')}`,
      LATCHKEY_SANDBOX: '1',
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`latchkey start exited with ${child.exitCode}:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`latchkey did not answer /healthz within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, dataDir, output: () => output, stop };
}

export const BROWSER_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
}

export const WIDE = { width: 1280, height: 800 };
export const NARROW = { width: 420, height: 860 };

export async function newContext(
  browser: Browser,
  baseURL: string,
  viewport = WIDE,
): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport, reducedMotion: 'reduce' });
  context.setDefaultTimeout(15_000);
  return context;
}

/**
 * Collect what must never happen in the UI's pages: uncaught exceptions and Content-Security-Policy
 * violations (the UI loads nothing from elsewhere and runs no inline script).
 */
export function watchPageErrors(context: BrowserContext): string[] {
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content[- ]Security[- ]Policy/i.test(msg.text())) {
        errors.push(`${page.url()}: ${msg.text()}`);
      }
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return errors;
}

/** Save a PNG of the page (the viewport, or the full page when asked). */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Let transitions and the caret settle, so that screenshots are stable.
  // (Code evaluated in the page is a string: the test compiler has no DOM types.)
  await page.evaluate('document.activeElement?.blur?.()').catch(() => {});
  if (fullPage) await page.evaluate('window.scrollTo(0, 0)');
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage, animations: 'disabled' });
}

/**
 * Create the admin account through the API; the browser context then holds the session cookie. Returns
 * the CSRF token that state-changing API calls made with that cookie must send.
 */
export async function setUpAdmin(context: BrowserContext): Promise<string> {
  const res = await context.request.post('/api/v1/setup', { data: ADMIN });
  if (res.status() !== 201) throw new Error(`setup failed: ${res.status()} ${await res.text()}`);
  return ((await res.json()) as { csrfToken: string }).csrfToken;
}

/** A state-changing API call with the context's session (and its CSRF token); returns the JSON body. */
export async function apiPost<T>(
  context: BrowserContext,
  csrf: string,
  url: string,
  data: object,
): Promise<T> {
  const res = await context.request.post(url, { data, headers: { 'x-csrf-token': csrf } });
  if (!res.ok()) throw new Error(`POST ${url}: ${res.status()} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Register an OAuth app at the sandbox (RFC 7591) with Latchkey's redirect URI. */
export async function registerSandboxApp(
  baseURL: string,
  name = 'Latchkey e2e',
): Promise<{ clientId: string; clientSecret: string }> {
  const res = await fetch(`${baseURL}/sandbox/2ememain/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: name, redirect_uris: [`${baseURL}/oauth/callback`] }),
  });
  if (res.status !== 201) throw new Error(`sandbox registration failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { client_id: string; client_secret: string };
  return { clientId: body.client_id, clientSecret: body.client_secret };
}

/** In the sandbox's window: sign in with the demo account (when asked), then Authorize or Deny. */
export async function consentInSandbox(popup: Page, decision: 'Authorize' | 'Deny'): Promise<void> {
  await popup.waitForURL(/\/sandbox\/2ememain\//);
  const email = popup.getByLabel('Email');
  const decide = popup.getByRole('button', { name: decision, exact: true });
  await email.or(decide).first().waitFor();
  if (await email.isVisible()) {
    await email.fill(DEMO.email);
    await popup.getByLabel('Password').fill(DEMO.password);
    await popup.getByRole('button', { name: 'Sign in', exact: true }).click();
  }
  await decide.click();
}

/**
 * No process hands out a token that another process revoked or replaced: two contexts (two connections,
 * as two server processes would have) on one database.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { createContext, type AppContext } from '../src/context.js';
import { createLogger } from '../src/logging/index.js';
import type { SandboxServer } from '../src/sandbox/index.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { describeEachDialect } from './helpers/databases.js';
import { addSandboxConnector, createAndAuthorize, startTestSandbox } from './helpers/sandbox.js';

describeEachDialect('token cache coherence across processes', (dialect) => {
  let sandbox: SandboxServer;
  let t: TestApp;
  let other: AppContext;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    t = await createTestApp(dialect);
    addSandboxConnector(t, sandbox.url);
    other = await createContext(loadConfig(t.env), { log: createLogger('silent') });
    addSandboxConnector({ ctx: other } as TestApp, sandbox.url);
  });
  afterEach(async () => {
    await other?.close();
    await t.close();
  });

  const op = (ctx: AppContext) => ({
    workspaceId: ctx.defaultWorkspaceId,
    actor: { type: 'system' as const, id: 'test' },
    requestId: null,
  });

  async function eventually(check: () => Promise<boolean>, ms = 2000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await check()) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return check();
  }

  it('a revocation by another process stops this process from handing out the cached token', async () => {
    const { id } = await createAndAuthorize(t, sandbox.url);
    const first = await t.ctx.tokens.getToken(op(t.ctx), id);
    expect(first.accessToken).toBeTruthy();
    await other.revocation.revoke(op(other), id);
    const refused = await eventually(async () => {
      try {
        await t.ctx.tokens.getToken(op(t.ctx), id);
        return false;
      } catch (err) {
        return (err as { code?: string }).code === 'credential_not_active';
      }
    });
    expect(refused).toBe(true);
  });

  it('a refresh by another process replaces the token this process hands out', async () => {
    const { id } = await createAndAuthorize(t, sandbox.url);
    const before = await t.ctx.tokens.getToken(op(t.ctx), id);
    const refreshed = await other.tokens.refresh(op(other), id);
    expect(refreshed.accessToken).not.toBe(before.accessToken);
    expect(
      await eventually(
        async () => (await t.ctx.tokens.getToken(op(t.ctx), id)).accessToken === refreshed.accessToken,
      ),
    ).toBe(true);
  });
});

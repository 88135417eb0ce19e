import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox } from '../../src/sandbox/index.js';
import { api, createHarness, ISSUER, obtainTokens, refresh, register } from './helpers.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-state-'));
  dirs.push(dir);
  return path.join(dir, 'nested', 'state.json');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('persistence with statePath', () => {
  it('keeps applications, tokens and ads across a restart, without storing any secret in plain text', async () => {
    const statePath = tempFile();
    const before = await createHarness({ statePath });
    const client = await register(before);
    const tokens = await obtainTokens(before, client, 'read write');
    const created = (
      await api(before, '/advertisements', tokens.access_token, {
        method: 'POST',
        body: {
          title: 'Lampe',
          categoryId: 239,
          priceModel: { modality: 'free' },
          location: { postcode: '4000' },
        },
      })
    ).json();
    await before.sandbox.close();
    await before.app.close();

    const text = fs.readFileSync(statePath, 'utf8');
    for (const secret of [client.client_secret, tokens.access_token, tokens.refresh_token])
      expect(text).not.toContain(secret);
    expect((fs.statSync(statePath).mode & 0o777).toString(8)).toBe('600');

    const after = await createHarness({ statePath });
    expect((await api(after, '/me', tokens.access_token)).statusCode).toBe(200);
    expect((await api(after, `/advertisements/${created.itemId}`, tokens.access_token)).statusCode).toBe(200);
    const refreshed = await refresh(after, client, tokens.refresh_token);
    expect(refreshed.statusCode).toBe(200);
    await obtainTokens(after, client);
    await after.sandbox.close();

    const again = await createHarness({ statePath });
    expect((await refresh(again, client, tokens.refresh_token)).json().error).toBe('invalid_grant');
    expect(again.sandbox.stats().refreshTokenReuses).toBe(1);
    expect((await refresh(again, client, refreshed.json().refresh_token)).json().error).toBe('invalid_grant');
    await again.sandbox.close();
  });

  it('writes shortly after a change, without waiting for close', async () => {
    const statePath = tempFile();
    const h = await createHarness({ statePath });
    await register(h);
    expect(fs.existsSync(statePath)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(JSON.parse(fs.readFileSync(statePath, 'utf8')).clients).toHaveLength(1);
    expect(fs.readdirSync(path.dirname(statePath))).toEqual(['state.json']);
    await h.sandbox.close();
  });

  it('starts afresh without a file and refuses an unreadable one, naming it', async () => {
    const statePath = tempFile();
    expect(() => createSandbox({ issuer: ISSUER, statePath })).not.toThrow();
    fs.mkdirSync(path.dirname(statePath), { recursive: true });
    fs.writeFileSync(statePath, '{ not json');
    expect(() => createSandbox({ issuer: ISSUER, statePath })).toThrow(statePath);
    fs.writeFileSync(statePath, JSON.stringify({ version: 2 }));
    expect(() => createSandbox({ issuer: ISSUER, statePath })).toThrow(/unexpected shape/);
  });
});

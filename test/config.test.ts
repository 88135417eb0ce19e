import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/index.js';

describe('configuration', () => {
  it('has the defaults of DESIGN §2', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.publicUrl).toBe('http://127.0.0.1:3000');
    expect(c.redirectUri).toBe('http://127.0.0.1:3000/oauth/callback');
    expect(c.database).toEqual({ kind: 'sqlite', path: './data/latchkey.db' });
    expect(c.sandbox.enabled).toBe(false);
    expect(c.refreshAheadS).toBe(300);
    expect(c.keepaliveDays).toBe(7);
    expect(c.logLevel).toBe('info');
    expect(c.masterKeys).toBeNull();
  });

  it('derives the redirect URI from LATCHKEY_PUBLIC_URL', () => {
    const c = loadConfig({ LATCHKEY_PUBLIC_URL: 'https://keys.example.com/', PORT: '8080' });
    expect(c.redirectUri).toBe('https://keys.example.com/oauth/callback');
  });

  it('reads PostgreSQL URLs and keyrings', () => {
    const k1 = randomBytes(32).toString('base64');
    const k2 = randomBytes(32).toString('base64');
    const c = loadConfig({
      LATCHKEY_DATABASE_URL: 'postgres://u:p@db:5432/latchkey',
      LATCHKEY_MASTER_KEYS: `new:${k1},old:${k2}`,
    });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/latchkey' });
    expect(c.masterKeys).toEqual([
      { id: 'new', key: k1 },
      { id: 'old', key: k2 },
    ]);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['LATCHKEY_PUBLIC_URL', 'not a url'],
    ['LATCHKEY_PUBLIC_URL', 'ftp://x.example'],
    ['LATCHKEY_DATABASE_URL', 'mysql://x'],
    ['LATCHKEY_SANDBOX', 'yes'],
    ['LATCHKEY_REFRESH_AHEAD_S', '-5'],
    ['LATCHKEY_KEEPALIVE_DAYS', '0'],
    ['LOG_LEVEL', 'loud'],
    ['LATCHKEY_MASTER_KEYS', 'nocolon'],
    ['LATCHKEY_BOOTSTRAP_API_KEY', 'short'],
    ['LATCHKEY_BOOTSTRAP_ADMIN_EMAIL', 'not-an-email'],
  ])('refuses %s=%s with one line naming the variable', (variable, value) => {
    const env: Record<string, string> = { [variable]: value };
    if (variable === 'LATCHKEY_BOOTSTRAP_ADMIN_EMAIL') env.LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD = 'long enough';
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as Error).message).toMatch(new RegExp(`^invalid configuration: ${variable}: `));
    expect((error as Error).message).not.toContain('\n');
  });

  it('refuses both master key variables at once', () => {
    const k = randomBytes(32).toString('base64');
    expect(() => loadConfig({ LATCHKEY_MASTER_KEY: k, LATCHKEY_MASTER_KEYS: `a:${k}` })).toThrow(/not both/);
  });

  it('needs both bootstrap admin variables', () => {
    expect(() => loadConfig({ LATCHKEY_BOOTSTRAP_ADMIN_EMAIL: 'a@b.example' })).toThrow(
      /LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD/,
    );
  });
});

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import {
  addActiveKeyToFile,
  keyringFromEntries,
  KeyringError,
  parseKeyFile,
  readKeyFile,
} from './keyring.js';
import { loadVault } from './index.js';
import { aadFor, Vault, VaultError } from './vault.js';

const b64 = () => randomBytes(32).toString('base64');

function vaultWith(...ids: string[]): Vault {
  return new Vault(
    keyringFromEntries(
      ids.map((id) => ({ id, key: b64() })),
      'test',
    ),
  );
}

function flipChar(s: string, index: number): string {
  const c = s[index]!;
  return s.slice(0, index) + (c === 'A' ? 'B' : 'A') + s.slice(index + 1);
}

describe('vault', () => {
  it('round-trips a secret bound to its AAD', () => {
    const v = vaultWith('k1');
    const sealed = v.seal('s3cr3t value ✓', aadFor('cred_1', 'client_secret'));
    expect(sealed).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('s3cr3t');
    expect(v.open(sealed, 'cred_1:client_secret')).toBe('s3cr3t value ✓');
  });

  it('uses a fresh IV each time', () => {
    const v = vaultWith('k1');
    const a = v.seal('same', 'x:y');
    const b = v.seal('same', 'x:y');
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it('rejects tampered ciphertext, IV and tag', () => {
    const v = vaultWith('k1');
    const sealed = v.seal('secret', 'c:f');
    const [ver, kid, iv, body] = sealed.split('.') as [string, string, string, string];
    for (const tampered of [
      [ver, kid, iv, flipChar(body, 0)].join('.'),
      [ver, kid, iv, flipChar(body, body.length - 2)].join('.'),
      [ver, kid, flipChar(iv, 3), body].join('.'),
    ]) {
      expect(() => v.open(tampered, 'c:f')).toThrowError(VaultError);
      try {
        v.open(tampered, 'c:f');
      } catch (err) {
        expect((err as VaultError).code).toBe('vault_decrypt_failed');
      }
    }
  });

  it('rejects a value opened with another record’s AAD', () => {
    const v = vaultWith('k1');
    const sealed = v.seal('secret', aadFor('cred_a', 'access_token'));
    expect(() => v.open(sealed, aadFor('cred_b', 'access_token'))).toThrow(/failed authentication/);
    expect(() => v.open(sealed, aadFor('cred_a', 'refresh_token'))).toThrow(/failed authentication/);
  });

  it('names an unknown key id instead of returning garbage', () => {
    const sealed = vaultWith('k1').seal('secret', 'a:b');
    const other = vaultWith('k2');
    expect(() => other.open(sealed, 'a:b')).toThrow(/key "k1", which is not in the keyring/);
  });

  it('rejects malformed values', () => {
    const v = vaultWith('k1');
    for (const bad of [
      '',
      'plain',
      'v2.k1.aaaa.bbbb',
      'v1.k1.short.x',
      'v1..aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbb',
    ]) {
      expect(() => v.open(bad, 'a:b')).toThrowError(VaultError);
    }
  });

  it('opens values sealed under an older key of the ring and seals under the first', () => {
    const k1 = b64();
    const k2 = b64();
    const old = new Vault(keyringFromEntries([{ id: 'old', key: k1 }], 't'));
    const sealed = old.seal('secret', 'a:b');
    const ring = new Vault(
      keyringFromEntries(
        [
          { id: 'new', key: k2 },
          { id: 'old', key: k1 },
        ],
        't',
      ),
    );
    expect(ring.open(sealed, 'a:b')).toBe('secret');
    expect(ring.keyIdOf(ring.seal('x', 'a:b'))).toBe('new');
  });
});

describe('keyring', () => {
  it('refuses keys that are not 32 bytes of base64, naming the variable', () => {
    expect(() =>
      keyringFromEntries([{ id: 'a', key: randomBytes(16).toString('base64') }], 'LATCHKEY_MASTER_KEYS'),
    ).toThrow(/LATCHKEY_MASTER_KEYS: each key must be the base64 encoding of exactly 32 bytes/);
    expect(() => keyringFromEntries([{ id: 'a', key: 'not base64!!' }], 'X')).toThrowError(KeyringError);
    expect(() => keyringFromEntries([{ id: 'a.b', key: b64() }], 'X')).toThrow(/key id/);
    const k = b64();
    expect(() =>
      keyringFromEntries(
        [
          { id: 'a', key: k },
          { id: 'a', key: b64() },
        ],
        'X',
      ),
    ).toThrow(/twice/);
  });

  it('gives a key without id a stable fingerprint id', () => {
    const key = b64();
    const a = keyringFromEntries([{ id: '', key }], 'X');
    const b = keyringFromEntries([{ id: '', key }], 'X');
    expect(a.activeKeyId).toMatch(/^k[0-9a-f]{8}$/);
    expect(a.activeKeyId).toBe(b.activeKeyId);
  });

  it('generates data/master.key with mode 0600 on the embedded default, and reuses it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-keys-'));
    try {
      const config = loadConfig({ LATCHKEY_DATA_DIR: dir, LATCHKEY_DATABASE_URL: `sqlite:${dir}/x.db` });
      const first = loadVault(config);
      expect(first.generated).toBe(true);
      const file = path.join(dir, 'master.key');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const sealed = first.vault.seal('secret', 'a:b');
      const second = loadVault(config);
      expect(second.generated).toBe(false);
      expect(second.vault.open(sealed, 'a:b')).toBe('secret');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never generates a key for PostgreSQL (each process would make its own)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-keys-'));
    try {
      const config = loadConfig({
        LATCHKEY_DATA_DIR: dir,
        LATCHKEY_DATABASE_URL: 'postgres://x@127.0.0.1/db',
      });
      expect(() => loadVault(config)).toThrow(/LATCHKEY_MASTER_KEY .*required with PostgreSQL/);
      expect(fs.existsSync(path.join(dir, 'master.key'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a running vault picks up a new active key written to its key file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-keys-'));
    try {
      const config = loadConfig({ LATCHKEY_DATA_DIR: dir, LATCHKEY_DATABASE_URL: `sqlite:${dir}/x.db` });
      const { vault, file } = loadVault(config);
      const before = vault.activeKeyId;
      const sealedOld = vault.seal('old', 'a:b');
      const added = addActiveKeyToFile(file!);
      // Another process sealed under the new key: this vault opens it by reloading the file.
      const other = new Vault(readKeyFile(file!));
      expect(vault.open(other.seal('new', 'a:b'), 'a:b')).toBe('new');
      expect(vault.activeKeyId).toBe(added);
      expect(added).not.toBe(before);
      expect(vault.open(sealedOld, 'a:b')).toBe('old');
      expect(parseKeyFile(fs.readFileSync(file!, 'utf8'), file!).keys.size).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

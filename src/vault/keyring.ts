/**
 * The keyring: named 256-bit keys, the first one active. It comes from LATCHKEY_MASTER_KEYS /
 * LATCHKEY_MASTER_KEY, or from a key file (`<data dir>/master.key`, mode 0600, one `id:base64` per line,
 * the first line active) that the embedded default generates on first start.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Keyring {
  activeKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export class KeyringError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'KeyringError';
  }
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** A stable id for a key given without one: `k` + 8 hex characters of its SHA-256. */
export function fingerprintKeyId(key: Buffer): string {
  return 'k' + createHash('sha256').update(key).digest('hex').slice(0, 8);
}

function decodeKey(b64: string, where: string): Buffer {
  const key = Buffer.from(b64, 'base64');
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== b64.replace(/=+$/, '')) {
    throw new KeyringError(where, `${where}: each key must be the base64 encoding of exactly 32 bytes`);
  }
  return key;
}

/** Build a keyring from `{id, key(base64)}` entries; an empty id gets the key's fingerprint. */
export function keyringFromEntries(entries: { id: string; key: string }[], where: string): Keyring {
  if (entries.length === 0) throw new KeyringError(where, `${where}: no key given`);
  const keys = new Map<string, Buffer>();
  for (const entry of entries) {
    const key = decodeKey(entry.key, where);
    const id = entry.id || fingerprintKeyId(key);
    if (!KEY_ID.test(id)) {
      throw new KeyringError(where, `${where}: key id "${id}" must be 1–32 of A–Z a–z 0–9 _ -`);
    }
    if (keys.has(id)) throw new KeyringError(where, `${where}: key id "${id}" appears twice`);
    keys.set(id, key);
  }
  return { activeKeyId: [...keys.keys()][0]!, keys };
}

export function keyFilePath(dataDir: string): string {
  return path.join(dataDir, 'master.key');
}

/** Parse a key file's text. */
export function parseKeyFile(text: string, file: string): Keyring {
  const entries = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const idx = line.indexOf(':');
      return idx < 0 ? { id: '', key: line } : { id: line.slice(0, idx), key: line.slice(idx + 1) };
    });
  return keyringFromEntries(entries, file);
}

export function readKeyFile(file: string): Keyring {
  return parseKeyFile(fs.readFileSync(file, 'utf8'), file);
}

/** A new random key with a fresh id. */
export function generateKey(): { id: string; key: Buffer } {
  const key = randomBytes(32);
  return { id: fingerprintKeyId(key), key };
}

function formatKeyFile(entries: { id: string; key: Buffer }[]): string {
  return (
    '# Latchkey master keys: one "id:base64" per line, the first is active. Keep this file secret and backed up.\n' +
    entries.map((e) => `${e.id}:${e.key.toString('base64')}`).join('\n') +
    '\n'
  );
}

/** Write a key file atomically with mode 0600. */
export function writeKeyFile(file: string, entries: { id: string; key: Buffer }[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, formatKeyFile(entries), { mode: 0o600 });
  fs.renameSync(tmp, file);
  fs.chmodSync(file, 0o600);
}

/** Put a new key first in the key file (it becomes active), keeping the others to open old values. */
export function addActiveKeyToFile(file: string): string {
  const current = readKeyFile(file);
  const fresh = generateKey();
  writeKeyFile(file, [fresh, ...[...current.keys].map(([id, key]) => ({ id, key }))]);
  return fresh.id;
}

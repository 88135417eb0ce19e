/**
 * seal/open: AES-256-GCM with a random 96-bit IV and the additional authenticated data
 * `credentialId:field`, written as `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url).
 * Tampering, a wrong AAD or an unknown key id is an error, never garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './keyring.js';

export type VaultErrorCode = 'vault_malformed' | 'vault_unknown_key' | 'vault_decrypt_failed';

export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}

const TAG_BYTES = 16;
const IV_BYTES = 12;

/** The AAD that binds a sealed value to its row and column. */
export function aadFor(ownerId: string, field: string): string {
  return `${ownerId}:${field}`;
}

export interface VaultOptions {
  /** Called when a sealed value names a key this keyring lacks, or periodically; may return a newer keyring. */
  reload?: () => Keyring | null;
  /** How often (ms) `reload` is consulted for a new active key; default 2000. */
  reloadIntervalMs?: number;
}

export class Vault {
  #keyring: Keyring;
  readonly #reload: (() => Keyring | null) | undefined;
  readonly #reloadIntervalMs: number;
  #lastReload = Date.now();

  constructor(keyring: Keyring, options: VaultOptions = {}) {
    this.#keyring = keyring;
    this.#reload = options.reload;
    this.#reloadIntervalMs = options.reloadIntervalMs ?? 2000;
  }

  get activeKeyId(): string {
    this.#maybeReload(false);
    return this.#keyring.activeKeyId;
  }

  get keyIds(): string[] {
    return [...this.#keyring.keys.keys()];
  }

  seal(plaintext: string, aad: string): string {
    this.#maybeReload(false);
    const keyId = this.#keyring.activeKeyId;
    const key = this.#keyring.keys.get(keyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${keyId}.${iv.toString('base64url')}.${ct.toString('base64url')}`;
  }

  open(sealed: string, aad: string): string {
    const { keyId, iv, body } = parseSealed(sealed);
    let key = this.#keyring.keys.get(keyId);
    if (!key) {
      this.#maybeReload(true);
      key = this.#keyring.keys.get(keyId);
    }
    if (!key)
      throw new VaultError('vault_unknown_key', `sealed with key "${keyId}", which is not in the keyring`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new VaultError(
        'vault_decrypt_failed',
        'sealed value failed authentication (tampered, or bound to another record)',
      );
    }
  }

  /** Re-read the key ring now (after the key file changed). */
  reloadNow(): void {
    this.#maybeReload(true);
  }

  /** The key id a sealed value names, without opening it. */
  keyIdOf(sealed: string): string {
    return parseSealed(sealed).keyId;
  }

  #maybeReload(force: boolean): void {
    if (!this.#reload) return;
    const now = Date.now();
    if (!force && now - this.#lastReload < this.#reloadIntervalMs) return;
    this.#lastReload = now;
    const next = this.#reload();
    if (next) this.#keyring = next;
  }
}

function parseSealed(sealed: string): { keyId: string; iv: Buffer; body: Buffer } {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1' || !parts[1]) {
    throw new VaultError('vault_malformed', 'not a sealed value of format v1');
  }
  const iv = Buffer.from(parts[2]!, 'base64url');
  const body = Buffer.from(parts[3]!, 'base64url');
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
    throw new VaultError('vault_malformed', 'sealed value is truncated');
  }
  return { keyId: parts[1], iv, body };
}

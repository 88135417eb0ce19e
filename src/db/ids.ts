import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

function encodeTime(ms: number): string {
  let out = '';
  let n = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[n % 32]! + out;
    n = Math.floor(n / 32);
  }
  return out;
}

/**
 * A new row id: `prefix_` + 10 characters of time + 16 random characters (80 bits).
 * Ids sort by creation time, which the list endpoints use as a stable cursor.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  const bytes = randomBytes(16);
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b & 31];
  return `${prefix}_${encodeTime(now)}${rand}`;
}

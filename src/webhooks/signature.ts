/**
 * Webhook signatures in the Standard Webhooks style: headers `webhook-id`, `webhook-timestamp` (seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed by the bytes of the secret
 * (`whsec_<base64>`).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

export function sign(secret: string, id: string, timestampS: number, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestampS}.${body}`).digest('base64')}`;
}

/** Verify as a receiver would (also used by tests): any of the space-separated signatures may match. */
export function verify(
  secret: string,
  id: string,
  timestampS: number,
  body: string,
  header: string,
  nowS = Date.now() / 1000,
  toleranceS = 300,
): boolean {
  if (Math.abs(nowS - timestampS) > toleranceS) return false;
  const expected = Buffer.from(sign(secret, id, timestampS, body));
  return header.split(' ').some((candidate) => {
    const b = Buffer.from(candidate);
    return b.length === expected.length && timingSafeEqual(b, expected);
  });
}

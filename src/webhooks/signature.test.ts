import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, sign, verify } from './signature.js';

describe('webhook signatures', () => {
  it('signs id.timestamp.body with the secret and verifies it', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    // Known answer: HMAC-SHA256(base64decode("MfKQ…"), "msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}")
    expect(sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });
  it('rejects another body, another secret, or an old timestamp', () => {
    const secret = generateWebhookSecret();
    const sig = sign(secret, 'id1', 1000, '{}');
    expect(verify(secret, 'id1', 1000, '{}', sig, 1000)).toBe(true);
    expect(verify(secret, 'id1', 1000, '{"x":1}', sig, 1000)).toBe(false);
    expect(verify(generateWebhookSecret(), 'id1', 1000, '{}', sig, 1000)).toBe(false);
    expect(verify(secret, 'id1', 1000, '{}', sig, 2000)).toBe(false);
  });
});

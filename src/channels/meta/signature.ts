import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * X-Hub-Signature-256 is 'sha256=' + hex HMAC-SHA256 of the raw body bytes with the app secret.
 * Verified over the bytes as received: re-serialised JSON would differ (escapes, spacing).
 */
export function verifyHubSignature(appSecret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!appSecret || !header) return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'));
}

/** Compares secrets without leaking, through timing, how much of a guess was right. */
export function sameSecret(expected: string, given: string): boolean {
  const a = createHmac('sha256', 'compare').update(expected).digest();
  const b = createHmac('sha256', 'compare').update(given).digest();
  return timingSafeEqual(a, b);
}

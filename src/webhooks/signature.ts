import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How a delivery is signed (frozen: subscribers implement it):
 *
 *   signed content  = `${Webhook-Timestamp}.${raw body}`            (UTF-8)
 *   Webhook-Signature = `v1=` + lowercase hex HMAC-SHA256(secret, signed content)
 *
 * The timestamp is inside the signed content so a captured request cannot be replayed later with a
 * fresh timestamp; the subscriber refuses timestamps outside a tolerance. The `v1=` scheme tag lets a
 * later scheme (or a second signature during a secret rotation) travel in the same header, space- or
 * comma-separated; a verifier accepts the request when any `v1` signature matches.
 */
export const WEBHOOK_HEADERS = {
  id: 'Webhook-Id',
  timestamp: 'Webhook-Timestamp',
  signature: 'Webhook-Signature',
} as const;

/** Five minutes: enough for clock skew and a slow hop, short for anyone replaying a captured request. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function hmacHex(secret: string, timestamp: number | string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The Webhook-Signature header value for one attempt. */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return `v1=${hmacHex(secret, timestampSeconds, body)}`;
}

export type WebhookVerification =
  | { ok: true }
  | { ok: false; reason: 'malformed_timestamp' | 'stale_timestamp' | 'no_signature' | 'signature_mismatch' };

export interface WebhookVerificationInput {
  /** The subscription's secret. */
  secret: string;
  /** The Webhook-Timestamp header as received. */
  timestamp: string | number | undefined;
  /** The raw request body, exactly as received (not re-serialised JSON). */
  body: string | Buffer;
  /** The Webhook-Signature header as received. */
  signature: string | undefined;
  /** How far the timestamp may be from `now`, either way. Default 300. */
  toleranceSeconds?: number;
  /** The verifier's clock. Default the current time. */
  now?: Date;
}

/**
 * For subscribers: is this request from us, unaltered and recent? Checks the timestamp first (a
 * stale request is refused whatever its signature), then compares signatures in constant time.
 * Dedupe on Webhook-Id afterwards: a retried delivery is signed anew but carries the same id.
 */
export function verifyWebhookSignature(input: WebhookVerificationInput): WebhookVerification {
  const timestampText = String(input.timestamp ?? '');
  if (!/^\d{1,12}$/.test(timestampText)) return { ok: false, reason: 'malformed_timestamp' };
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - Number(timestampText)) > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    return { ok: false, reason: 'stale_timestamp' };
  }
  const candidates = (input.signature ?? '')
    .split(/[\s,]+/)
    .filter((part) => part.startsWith('v1='))
    .map((part) => part.slice(3));
  if (candidates.length === 0) return { ok: false, reason: 'no_signature' };
  const expected = Buffer.from(hmacHex(input.secret, timestampText, input.body), 'hex');
  const matches = candidates.some((hex) => {
    const given = /^[0-9a-f]{64}$/i.test(hex) ? Buffer.from(hex, 'hex') : null;
    return given !== null && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true } : { ok: false, reason: 'signature_mismatch' };
}

import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../../../src/webhooks/index.ts';

const secret = 'whsec-0123456789abcdef';
const body = '{"id":"evt_1","type":"conversation.resolved"}';
const timestamp = 1767225600; // 2026-01-01T00:00:00Z
const at = (seconds: number) => new Date(seconds * 1000);

describe('signing a delivery', () => {
  it('is v1= and the hex HMAC-SHA256 of "<timestamp>.<body>" with the secret (vector computed with openssl)', () => {
    // printf '%s' '1767225600.{"id":"evt_1","type":"conversation.resolved"}' | openssl dgst -sha256 -hmac 'whsec-0123456789abcdef'
    expect(signWebhook(secret, timestamp, body)).toBe('v1=b6e4548f32543bf712660e09cd4a2a99148c91e21cebedaeb6c790a05128e623');
  });
});

describe('verifying a delivery', () => {
  const signature = signWebhook(secret, timestamp, body);

  it('given the request as sent, when verified within the tolerance, then it is accepted (string or Buffer body)', () => {
    expect(verifyWebhookSignature({ secret, timestamp: String(timestamp), body, signature, now: at(timestamp + 299) })).toEqual({ ok: true });
    expect(verifyWebhookSignature({ secret, timestamp: String(timestamp), body: Buffer.from(body), signature, now: at(timestamp - 10) })).toEqual({ ok: true });
  });

  it('given a body altered on the way, then the signature does not match', () => {
    const tampered = body.replace('resolved', 'reopened');
    expect(verifyWebhookSignature({ secret, timestamp, body: tampered, signature, now: at(timestamp) })).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('given the body re-serialised (whitespace added), then it does not match: verify the raw bytes', () => {
    const reformatted = JSON.stringify(JSON.parse(body), null, 2);
    expect(verifyWebhookSignature({ secret, timestamp, body: reformatted, signature, now: at(timestamp) }).ok).toBe(false);
  });

  it('given another subscription’s secret, then the signature does not match', () => {
    expect(verifyWebhookSignature({ secret: 'whsec-another-secret-000', timestamp, body, signature, now: at(timestamp) })).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('given a timestamp moved forward to pass the age check, then the signature (which covers it) does not match', () => {
    expect(verifyWebhookSignature({ secret, timestamp: timestamp + 3600, body, signature, now: at(timestamp + 3600) })).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('given a captured request replayed later than the tolerance, then it is refused as stale, signature or not', () => {
    expect(verifyWebhookSignature({ secret, timestamp, body, signature, now: at(timestamp + 301) })).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifyWebhookSignature({ secret, timestamp, body, signature, now: at(timestamp + 61), toleranceSeconds: 60 })).toEqual({ ok: false, reason: 'stale_timestamp' });
    // A timestamp from the future (a sender's clock far ahead) is as suspicious as an old one.
    expect(verifyWebhookSignature({ secret, timestamp, body, signature, now: at(timestamp - 301) })).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it('given a missing or malformed timestamp, then it is refused before any signature is computed', () => {
    for (const bad of [undefined, '', '17672256OO', '1767225600.5', '-1767225600']) {
      expect(verifyWebhookSignature({ secret, timestamp: bad, body, signature, now: at(timestamp) })).toEqual({ ok: false, reason: 'malformed_timestamp' });
    }
  });

  it('given no v1 signature, or one that is not 64 hex digits, then it is refused', () => {
    expect(verifyWebhookSignature({ secret, timestamp, body, signature: undefined, now: at(timestamp) })).toEqual({ ok: false, reason: 'no_signature' });
    expect(verifyWebhookSignature({ secret, timestamp, body, signature: 'v0=abc', now: at(timestamp) })).toEqual({ ok: false, reason: 'no_signature' });
    expect(verifyWebhookSignature({ secret, timestamp, body, signature: 'v1=abc', now: at(timestamp) })).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('given several signatures in the header (a secret rotation), then one matching v1 is enough', () => {
    const rotated = `v1=${'0'.repeat(64)} ${signature}, v2=future-scheme`;
    expect(verifyWebhookSignature({ secret, timestamp, body, signature: rotated, now: at(timestamp) })).toEqual({ ok: true });
  });
});

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { WebhookCounters } from '../../../src/webhooks/counters.ts';
import { classifyAnswer, retryAfterMs } from '../../../src/webhooks/post.ts';
import { RetryLater, webhookBackoff } from '../../../src/webhooks/processor.ts';

describe('reading a subscriber’s answer', () => {
  it('2xx is delivered, whatever the body', () => {
    for (const status of [200, 201, 202, 204, 299]) expect(classifyAnswer(status)).toBe('delivered');
  });

  it('408, 429 and 5xx mean try later', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(classifyAnswer(status)).toBe('retry');
  });

  it('any other 4xx, and redirects (not followed), are permanent: the same request cannot succeed later', () => {
    for (const status of [400, 401, 403, 404, 410, 413, 422, 301, 302, 307]) expect(classifyAnswer(status)).toBe('permanent');
  });
});

describe('the counters log line', () => {
  function counting() {
    const lines: Array<{ msg: string; counters: Record<string, number> }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as { msg: string; counters: Record<string, number> });
        done();
      },
    });
    return { counters: new WebhookCounters(pino({ level: 'info' }, sink)), lines };
  }

  it('given outcomes counted, when flushed, then one line carries the totals; flushed again unchanged, no line', async () => {
    const { counters, lines } = counting();
    counters.add('delivered');
    counters.add('delivered');
    counters.add('retried');
    counters.flush();
    counters.flush();
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'webhook counters', counters: { delivered: 2, retried: 1, failedPermanently: 0 } });
  });
});

describe('Retry-After, as a subscriber may send it with 429 or 503', () => {
  const now = Date.parse('2026-11-24T10:00:00Z');
  it('reads delay-seconds and an HTTP-date; ignores what it cannot read, or a wait beyond an hour', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Tue, 24 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Tue, 24 Nov 2026 09:59:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-5', now)).toBeUndefined();
    expect(retryAfterMs(String(2 * 3600), now)).toBeUndefined();
  });

  it('waits the longer of the back-off and the subscriber’s Retry-After', () => {
    expect(webhookBackoff(1, 300, new RetryLater('HTTP 429', 2000))).toBe(2000);
    expect(webhookBackoff(3, 300, new RetryLater('HTTP 503', 100))).toBe(1200);
    expect(webhookBackoff(2, 300, new RetryLater('HTTP 500'))).toBe(600);
    expect(webhookBackoff(1, 300, new Error('unreachable'))).toBe(300);
  });
});

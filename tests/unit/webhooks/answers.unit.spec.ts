import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { WebhookCounters } from '../../../src/webhooks/counters.ts';
import { classifyAnswer } from '../../../src/webhooks/post.ts';

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

import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../support/collect.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { testConfig } from '../../support/engine.ts';
import { customerWrote } from '../../support/events.ts';

let harness: ChannelHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('POST /v1/events with a bad line', () => {
  it('answers 400, publishes nothing, and keeps the raw batch with the reason on the rejected-input topic', async () => {
    const config = testConfig();
    const key = `key-${config.instance}-0123456789`;
    config.http.apiKeys = { [key]: 'acme' };
    harness = await startChannelHarness(config, []);
    const good = customerWrote('acme', 'c-1', 'hello');
    const bad = { ...customerWrote('acme', 'c-1', 'again'), data: { channel: 'fax' } };
    const body = `${JSON.stringify(good)}\n${JSON.stringify(bad)}\n`;
    const res = await fetch(`${harness.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { rejected: Array<{ line: number }> }).rejected.map((r) => r.line)).toEqual([2]);

    let kept: Array<{ reason: string; provider: string; body: string }> = [];
    await eventually('the batch on the rejected-input topic', async () => (kept = await harness!.rejected()).length === 1);
    expect(kept[0]!.provider).toBe('api');
    expect(kept[0]!.reason).toContain('line 2: invalid_data');
    expect(kept[0]!.body).toBe(body);
    expect(harness.events).toEqual([]);
  }, 60_000);
});

import { setTimeout as sleep } from 'node:timers/promises';
import { nanoid } from 'nanoid';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { ingestKeys } from '../../../src/projections/keys.ts';
import { startEngineProcess } from '../../e2e/support/engine-process.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { testConfig } from '../../support/engine.ts';
import { freePort } from '../../support/free-port.ts';
import { testLogger } from '../../support/kafka.ts';
import { redisGate } from '../../support/redis-gate.ts';

/** `POST /v1/events` appends an event id at most once per tenant, over real Kafka and Redis. */

const id = () => nanoid(10).replace(/[^A-Za-z0-9]/g, 'x');

interface Setup {
  config: Config;
  tenants: { a: string; b: string };
  keys: { a: string; b: string };
}

function setup(): Setup {
  const base = testConfig();
  const n = id();
  const tenants = { a: `once-a-${n}`, b: `once-b-${n}` };
  const keys = { a: `key-a-${n}-0123456789`, b: `key-b-${n}-0123456789` };
  return { config: { ...base, http: { ...base.http, apiKeys: { [keys.a]: tenants.a, [keys.b]: tenants.b } } }, tenants, keys };
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function start(s: Setup): Promise<ChannelHarness> {
  const h = await startChannelHarness(s.config, []);
  cleanups.push(() => h.close());
  return h;
}

function envelope(tenant: string, customer: string, text: string, eventId = `evt-${id()}`) {
  return {
    specversion: '1.0',
    id: eventId,
    source: '/adapters/test',
    type: 'message.received',
    time: '2026-02-01T10:00:00Z',
    tenant,
    customer,
    data: { channel: 'chat', provider: 'webchat', handle: `${customer}-visitor`, text },
  };
}

const ndjson = (lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

async function post(url: string, key: string, body: string, contentType = 'application/json') {
  const response = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': contentType, authorization: `Bearer ${key}` }, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Every record on the event topic: the sum of the partitions' end offsets. */
async function onTopic(config: Config): Promise<number> {
  const admin = createKafka(config.kafka, testLogger).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(config.kafka.topics.events)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

const copies = (h: ChannelHarness, tenant: string, eventId: string) => h.events.filter((e) => e.tenant === tenant && e.id === eventId).length;

describe('POST /v1/events, the same event id twice', () => {
  it('appends it once: the second answer is 202 with the id under duplicates', async () => {
    const s = setup();
    const h = await start(s);
    const event = envelope(s.tenants.a, 'ann', 'hello');
    const first = await post(h.url, s.keys.a, JSON.stringify(event));
    expect(first).toEqual({ status: 202, body: { accepted: 1, ids: [event.id] } });
    const again = await post(h.url, s.keys.a, JSON.stringify(event));
    expect(again).toEqual({ status: 202, body: { accepted: 1, ids: [event.id], duplicates: [event.id] } });
    expect(await onTopic(s.config)).toBe(1);

    // In a batch: the new one is appended, the known one is not; an id the body repeats goes in once.
    const fresh = envelope(s.tenants.a, 'ann', 'one more');
    const batch = await post(h.url, s.keys.a, ndjson([event, fresh, fresh]), 'application/x-ndjson');
    expect(batch).toEqual({ status: 202, body: { accepted: 3, ids: [event.id, fresh.id, fresh.id], duplicates: [event.id, fresh.id] } });
    expect(await onTopic(s.config)).toBe(2);
    await eventually('both on the topic', () => copies(h, s.tenants.a, fresh.id) === 1);
    expect(copies(h, s.tenants.a, event.id)).toBe(1);
  });

  it('an id is one tenant’s: another tenant’s event with the same id is its own', async () => {
    const s = setup();
    const h = await start(s);
    const mine = envelope(s.tenants.a, 'bo', 'mine', 'evt-shared-id');
    const theirs = envelope(s.tenants.b, 'bo', 'theirs', 'evt-shared-id');
    expect((await post(h.url, s.keys.a, JSON.stringify(mine))).body).toEqual({ accepted: 1, ids: ['evt-shared-id'] });
    expect((await post(h.url, s.keys.b, JSON.stringify(theirs))).body).toEqual({ accepted: 1, ids: ['evt-shared-id'] });
    expect(await onTopic(s.config)).toBe(2);
  });

  it('after an API process died between Kafka’s acknowledgement and marking the event done, the re-POST is a duplicate', async () => {
    const s = setup();
    const h = await start(s);
    const gate = await redisGate(s.config.redis.url);
    cleanups.push(() => gate.close());
    const api = await startEngineProcess('api', { ...s.config, redis: { url: gate.url }, http: { ...s.config.http, host: '127.0.0.1', port: await freePort() } });
    cleanups.push(() => api.dispose());

    const event = envelope(s.tenants.a, 'cy', 'kept once');
    // Its claim reaches Redis, then nothing more it writes does: not the 'done' after the append.
    const claimed = gate.holdAfter(ingestKeys(s.config.instance).claim(s.tenants.a, event.id));
    const first = post(api.url, s.keys.a, JSON.stringify(event)).catch(() => 'killed');
    await claimed;
    await eventually('the event on the topic', () => copies(h, s.tenants.a, event.id) === 1);
    await api.stop('SIGKILL');
    expect(await first).toBe('killed');

    const started = performance.now();
    let again = await post(h.url, s.keys.a, JSON.stringify(event));
    while (again.status === 503 && performance.now() - started < 20_000) {
      expect(again.body).toMatchObject({ error: 'in_progress' });
      await sleep(250);
      again = await post(h.url, s.keys.a, JSON.stringify(event));
    }
    expect(again).toEqual({ status: 202, body: { accepted: 1, ids: [event.id], duplicates: [event.id] } });
    expect(performance.now() - started).toBeLessThan(8_000);
    expect(await onTopic(s.config)).toBe(1);
  });
});

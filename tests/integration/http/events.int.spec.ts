import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nanoid } from 'nanoid';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { lazyEventLog } from '../../support/lazy-event-log.ts';
import { openKafkaEventLog, type EventLog } from '../../../src/log/event-log.ts';
import { eventually } from '../../support/collect.ts';
import { freshTopics, testKafka } from '../../support/kafka.ts';
import { startApi, type TestApi } from './support.ts';

interface Received {
  key: string;
  partition: number;
  id: string;
  type: string | undefined;
}

let api: TestApi;
let topics: Awaited<ReturnType<typeof freshTopics>>;
let eventLog: EventLog;
let consumer: Consumer;
const received: Received[] = [];

beforeAll(async () => {
  const kafka = testKafka();
  topics = await freshTopics(kafka, 3);
  eventLog = await openKafkaEventLog({ kafka, topic: topics.names.events, publishTimeoutMs: 20_000 });
  api = await startApi({ eventLog });
  consumer = kafka.consumer({ groupId: `test-http-${nanoid(8)}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.names.events, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const envelope = JSON.parse(message.value!.toString('utf8')) as { id: string };
      received.push({ key: message.key!.toString('utf8'), partition, id: envelope.id, type: message.headers?.ce_type?.toString() });
    },
  });
});

afterAll(async () => {
  await consumer?.disconnect();
  await api?.close();
  await eventLog?.close();
  await topics?.cleanup();
});

/** An envelope as a channel adapter would send it (plain JSON, not built by our code). */
function envelope(customer: string, text: string, overrides: Record<string, unknown> = {}) {
  return {
    specversion: '1.0',
    id: `evt-${nanoid(12)}`,
    source: '/adapters/test',
    type: 'message.received',
    time: '2026-02-01T10:00:00Z',
    tenant: api.tenants.a,
    customer,
    data: { channel: 'chat', provider: 'webchat', handle: `${customer}-visitor`, text },
    ...overrides,
  };
}

const ndjson = (lines: unknown[], eol = '\n') => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join(eol) + eol;

async function post(body: string, contentType: string, key: string = api.keys.a) {
  const response = await fetch(`${api.url}/v1/events`, { method: 'POST', headers: { 'content-type': contentType, authorization: `Bearer ${key}` }, body });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

/** Records on the topic: with an idempotent, non-transactional producer, the sum of the partitions' high watermarks. */
async function onTopic(): Promise<number> {
  const offsets = await topics.admin.fetchTopicOffsets(topics.names.events);
  return offsets.reduce((n, p) => n + Number(p.high), 0);
}

const arrived = (id: string) => received.find((r) => r.id === id);

describe('POST /v1/events', () => {
  it('appends one JSON envelope and answers 202 only once Kafka has it', async () => {
    const before = await onTopic();
    const event = envelope('ed', 'hello');
    const { status, body } = await post(JSON.stringify(event), 'application/json');
    expect(status).toBe(202);
    expect(body).toEqual({ accepted: 1, ids: [event.id] });
    // Acknowledged before the answer: the record is on the log already.
    expect(await onTopic()).toBe(before + 1);
    await eventually('the event on the topic', () => arrived(event.id) !== undefined);
    expect(arrived(event.id)).toMatchObject({ key: `${api.tenants.a}/ed`, type: 'message.received' });
  });

  it('takes a structured CloudEvent (application/cloudevents+json), pretty-printed', async () => {
    const event = envelope('ed', 'pretty');
    const { status, body } = await post(JSON.stringify(event, null, 2), 'application/cloudevents+json; charset=utf-8');
    expect(status).toBe(202);
    expect(body.ids).toEqual([event.id]);
  });

  it('appends an NDJSON batch, keyed tenant/customer, each customer’s events in order', async () => {
    const batch = [envelope('fay', 'one'), envelope('gus', 'two'), envelope('fay', 'three'), envelope('gus', 'four'), envelope('fay', 'five')];
    // CRLF line ends and a blank line, as a file written on Windows might have.
    const body = ndjson([batch[0], batch[1], '', batch[2], batch[3], batch[4]], '\r\n');
    const before = await onTopic();
    const answer = await post(body, 'application/x-ndjson');
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ accepted: 5, ids: batch.map((e) => e.id) });
    expect(await onTopic()).toBe(before + 5);
    await eventually('the batch on the topic', () => batch.every((e) => arrived(e.id)));
    for (const customer of ['fay', 'gus']) {
      const mine = received.filter((r) => r.key === `${api.tenants.a}/${customer}`);
      expect(mine.map((r) => r.id)).toEqual(batch.filter((e) => e.customer === customer).map((e) => e.id));
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
    }
  });

  it('refuses a whole batch for one bad line, naming the line and its issues, and publishes nothing', async () => {
    const good = [envelope('hal', 'ok 1'), envelope('hal', 'ok 2'), envelope('hal', 'ok 4')];
    const bad = envelope('hal', 'bad', { data: { channel: 'pigeon', provider: 'webchat', handle: 'h', text: 'x' } });
    const before = await onTopic();
    const { status, body } = await post(ndjson([good[0], good[1], bad, good[2]]), 'application/x-ndjson');
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_events', message: expect.any(String), rejectedCount: 1 });
    expect(body.rejected).toEqual([
      {
        line: 3,
        id: bad.id,
        code: 'invalid_data',
        message: expect.stringContaining('data.channel'),
        issues: [expect.objectContaining({ path: ['data', 'channel'] })],
      },
    ]);
    expect(await onTopic()).toBe(before);
    // Same customer, same partition: anything published before this marker would arrive before it.
    const marker = envelope('hal', 'marker');
    expect((await post(JSON.stringify(marker), 'application/json')).status).toBe(202);
    await eventually('the marker', () => arrived(marker.id) !== undefined);
    expect([...good, bad].filter((e) => arrived(e.id))).toEqual([]);
  });

  it('reports every bad line: invalid JSON, unknown type', async () => {
    const { status, body } = await post(ndjson([envelope('ida', 'fine'), '{"specversion": "1.0",', envelope('ida', 'x', { type: 'message.teleported' })]), 'application/x-ndjson');
    expect(status).toBe(400);
    expect((body.rejected as Array<{ line: number; code: string }>).map((r) => [r.line, r.code])).toEqual([
      [2, 'invalid_json'],
      [3, 'unknown_type'],
    ]);
  });

  it('refuses envelopes of another tenant than the key’s', async () => {
    const before = await onTopic();
    const foreign = envelope('jo', 'not yours', { tenant: api.tenants.b });
    const single = await post(JSON.stringify(foreign), 'application/json');
    expect(single.status).toBe(400);
    expect(single.body.rejected).toEqual([
      { line: 1, id: foreign.id, code: 'tenant_mismatch', message: expect.any(String), issues: [expect.objectContaining({ path: ['tenant'], code: 'tenant_mismatch' })] },
    ]);
    const batch = await post(ndjson([envelope('jo', 'mine'), foreign]), 'application/x-ndjson');
    expect(batch.status).toBe(400);
    expect((batch.body.rejected as Array<{ line: number; code: string }>).map((r) => [r.line, r.code])).toEqual([[2, 'tenant_mismatch']]);
    // Tenant b's own key may send it.
    expect((await post(JSON.stringify(foreign), 'application/json', api.keys.b)).status).toBe(202);
    expect(await onTopic()).toBe(before + 1);
  });

  it('answers 415 for other content types and 400 for an empty body, in JSON', async () => {
    const plain = await post(JSON.stringify(envelope('kim', 'x')), 'text/plain');
    expect(plain.status).toBe(415);
    expect(plain.body).toMatchObject({ error: 'unsupported_media_type', message: expect.any(String) });
    const empty = await post('\n\n', 'application/x-ndjson');
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ error: 'no_events' });
  });

  it('answers 413 JSON for a body over the limit (5 MiB by default) and publishes nothing', async () => {
    const before = await onTopic();
    const line = JSON.stringify(envelope('lea', 'y'.repeat(1000)));
    const body = `${line}\n`.repeat(Math.ceil((5 * 1024 * 1024) / line.length) + 1);
    const { status, body: answer } = await post(body, 'application/x-ndjson');
    expect(status).toBe(413);
    expect(answer).toMatchObject({ error: 'payload_too_large', message: expect.any(String) });
    expect(await onTopic()).toBe(before);
  });

  it('accepts a batch larger than one Kafka request may carry (several MB)', async () => {
    const batch = Array.from({ length: 3000 }, (_, i) => envelope(`bulk-${i % 7}`, `${i} ${'z'.repeat(900)}`));
    const body = ndjson(batch);
    expect(body.length).toBeGreaterThan(3 * 1024 * 1024);
    const before = await onTopic();
    const { status, body: answer } = await post(body, 'application/x-ndjson');
    expect(status).toBe(202);
    expect(answer.accepted).toBe(3000);
    expect(await onTopic()).toBe(before + 3000);
  });
});

describe('POST /v1/events while Kafka is unreachable', () => {
  it('answers 503 with Retry-After, and the sender can retry later', async () => {
    // A real kafkajs producer towards a port nobody listens on.
    const unreachable = new Kafka({ clientId: 'test-http-down', brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING, connectionTimeout: 300, retry: { retries: 0 } });
    const log = lazyEventLog(() => openKafkaEventLog({ kafka: unreachable, topic: 'unreachable.events', publishTimeoutMs: 1000 }), 2000);
    const down = await startApi({ eventLog: log });
    try {
      const started = performance.now();
      const response = await fetch(`${down.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': down.keys.a },
        body: JSON.stringify({ ...envelope('max', 'are you there?'), tenant: down.tenants.a }),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toMatchObject({ error: 'log_unavailable', message: expect.any(String) });
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      await down.close();
      await log.close();
    }
  });
});

import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { openKafkaEventLog, type EventLog } from '../../../src/log/event-log.ts';
import { freshTopics, testKafka } from '../../support/kafka.ts';
import { at, build, seed, startApi, type TestApi } from './support.ts';

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

let api: TestApi;
let topics: Awaited<ReturnType<typeof freshTopics>>;
let eventLog: EventLog;

beforeAll(async () => {
  const kafka = testKafka();
  topics = await freshTopics(kafka, 1);
  eventLog = await openKafkaEventLog({ kafka, topic: topics.names.events, publishTimeoutMs: 20_000 });
  // Plain pino at the most verbose level, without the production redaction: what the API itself logs.
  api = await startApi({ eventLog, logger: pino({ level: 'trace' }, sink) });
});

afterAll(async () => {
  await api?.close();
  await eventLog?.close();
  await topics?.cleanup();
});

describe('request logs', () => {
  it('name the route, status and tenant, never a handle, message text or API key', async () => {
    const handle = 'secret.person@example.com';
    const text = 'my very private message';
    await seed(api.store, [build.received(api.tenants.a, 'nia', at(0), { channel: 'email', handle, text })]);

    expect((await api.get(`/v1/customers?handle=${encodeURIComponent(handle)}`)).status).toBe(200);
    expect((await api.get(`/v1/customers?handle=${encodeURIComponent('other.secret@example.com')}`)).status).toBe(404);
    const envelope = {
      specversion: '1.0',
      id: 'evt-logging-1',
      source: '/adapters/test',
      type: 'message.received',
      time: '2026-02-01T10:00:00Z',
      tenant: api.tenants.a,
      customer: 'nia',
      data: { channel: 'email', provider: 'smtp', handle, text },
    };
    const headers = { 'content-type': 'application/x-ndjson', authorization: `Bearer ${api.keys.a}` };
    const accepted = await fetch(`${api.url}/v1/events`, { method: 'POST', headers, body: `${JSON.stringify(envelope)}\n` });
    expect(accepted.status).toBe(202);
    const invalid = { ...envelope, data: { ...envelope.data, channel: 'pigeon' } };
    const rejected = await fetch(`${api.url}/v1/events`, { method: 'POST', headers, body: `${JSON.stringify(invalid)}\n` });
    expect(rejected.status).toBe(400);

    const log = lines.join('\n');
    expect(log).toContain('"route":"/v1/customers"');
    expect(log).toContain('"status":404');
    expect(log).toContain(`"tenant":"${api.tenants.a}"`);
    expect(log).toContain('"accepted":1');
    for (const secret of [handle, encodeURIComponent(handle), 'other.secret', text, api.keys.a]) expect(log).not.toContain(secret);
  });
});

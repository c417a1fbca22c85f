import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, type EventDataInput } from '../../../events/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { openKafkaEventLog, type EventLog } from '../../../src/log/event-log.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { provisionTopics } from '../../../src/log/topics.ts';
import { chatKeys } from '../../../src/projections/keys.ts';
import { ProjectionReader } from '../../../src/projections/reader.ts';
import { buildConnectors } from '../../../src/outbound/connectors/registry.ts';
import { DeliveryState } from '../../../src/outbound/delivery-state.ts';
import { outboundJob, type OutboundJobData } from '../../../src/outbound/job.ts';
import { outboundProcessor } from '../../../src/outbound/processor.ts';
import { eventually } from '../../support/collect.ts';
import { nextTime } from '../../support/events.ts';
import { testLogger } from '../../support/kafka.ts';
import { ACCOUNT_SID, AUTH_TOKEN, META_TOKEN, outboundConfig, startProviderApis, startSmtpSink, tearDown, TENANT, TWILIO_FROM, type RecordedCall } from './support.ts';

/**
 * The processor after an attempt that ended without an outcome: the provider took the message but
 * its answer never came (the stand-in hangs; the call times out here, as a killed worker's would
 * never end). failover.int.spec.ts kills a real process in that window.
 */

const PROVIDER_TIMEOUT_MS = 400;
let config: Config;
let apis: Awaited<ReturnType<typeof startProviderApis>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let log: EventLog;
let redis: Redis;
let state: DeliveryState;
let process: ReturnType<typeof outboundProcessor>;
let n = 0;

beforeAll(async () => {
  apis = await startProviderApis();
  smtp = await startSmtpSink();
  config = outboundConfig({ providerUrl: apis.url, smtpPort: smtp.port });
  await provisionTopics(config, testLogger);
  log = await openKafkaEventLog({ kafka: createKafka(config.kafka, testLogger), topic: config.kafka.topics.events, publishTimeoutMs: 10_000 });
  redis = new Redis(config.redis.url);
  state = new DeliveryState(redis, config.instance, 10_000);
  process = outboundProcessor({
    state,
    connectors: buildConnectors(config, redis, PROVIDER_TIMEOUT_MS),
    eventLog: log,
    reader: new ProjectionReader(redis, { instance: config.instance, fallback: config.fold.namespace }),
    logger: testLogger,
  });
});

afterAll(async () => {
  await log?.close();
  await apis?.close();
  await smtp?.close();
  redis?.disconnect();
  if (config) await tearDown(config, []);
});

/** A reply as the outbound consumer would queue it; `attempt(k)` is its k-th run (BullMQ's attemptsMade = k - 1). */
function reply(data: Pick<EventDataInput<'message.sent'>, 'channel' | 'provider' | 'handle' | 'text'>) {
  const messageId = `lookup-${++n}`;
  const event = createEvent({
    type: 'message.sent',
    source: '/tests',
    tenant: TENANT,
    customer: `c-lookup-${n}`,
    conversation: `cv_lookup-${n}`,
    time: nextTime(),
    data: { author: { kind: 'agent', id: 'agent-7' }, messageId, ...data },
  });
  const data_ = outboundJob(event);
  return {
    messageId,
    attempt: (k: number) => process({ id: `direct-${messageId}`, data: data_, attemptsMade: k - 1, opts: { attempts: 5 } } as unknown as Job<OutboundJobData>),
  };
}

const posts = (match: (c: RecordedCall) => boolean) => apis.calls.filter((c) => c.method === 'POST' && match(c));
const gets = (fragment: string) => apis.calls.filter((c) => c.method === 'GET' && c.path.includes(fragment));
const smsBody = (text: string) => (c: RecordedCall) => new URLSearchParams(c.body).get('Body') === text;
const jsonText = (text: string) => (c: RecordedCall) => c.body.includes(JSON.stringify(text));

describe('an attempt after one that ended without an outcome asks the provider first', () => {
  it('Twilio: finds the message the stand-in took in the Messages list, records its SID, and does not send it again', async () => {
    const handle = '+14155550170';
    const text = 'Your refund is on its way';
    const before = gets('/Messages.json').length;
    apis.hang(smsBody(text));
    const sms = reply({ channel: 'sms', provider: 'twilio', handle, text });
    await expect(sms.attempt(1)).rejects.toThrow(/provider unreachable/);
    apis.hang(undefined);

    const second = await sms.attempt(2);
    const [post, ...more] = posts(smsBody(text));
    expect(more).toEqual([]);
    expect(second).toEqual({ delivered: 'before', providerMessageId: apis.providerIdOf(post!) });
    expect(second.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    const lookups = gets('/Messages.json').slice(before);
    expect(lookups).toHaveLength(1);
    const url = new URL(lookups[0]!.path, apis.url);
    expect(url.pathname).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ To: handle, From: TWILIO_FROM, PageSize: '50' });
    expect(lookups[0]!.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
    expect(await redis.hgetall(state.key(TENANT, sms.messageId))).toEqual({ state: 'reported', providerMessageId: second.providerMessageId });
  });

  it('Messenger: finds it in the page’s conversation with the person, records its mid, and does not send it again', async () => {
    const psid = '6543210987650001';
    const text = 'We have found your parcel';
    apis.hang(jsonText(text));
    const dm = reply({ channel: 'social', provider: 'messenger', handle: psid, text });
    await expect(dm.attempt(1)).rejects.toThrow(/provider unreachable/);
    apis.hang(undefined);

    const second = await dm.attempt(2);
    const [post, ...more] = posts(jsonText(text));
    expect(more).toEqual([]);
    expect(second).toEqual({ delivered: 'before', providerMessageId: apis.providerIdOf(post!) });
    expect(second.providerMessageId).toMatch(/^m_/);
    const lookup = gets('/me/conversations').find((c) => new URL(c.path, apis.url).searchParams.get('user_id') === psid)!;
    expect(lookup.authorization).toBe(`Bearer ${META_TOKEN}`);
    expect(Object.fromEntries(new URL(lookup.path, apis.url).searchParams)).toEqual({ platform: 'messenger', user_id: psid, fields: 'messages.limit(20){id,message,created_time,from}' });
  });

  it('sends when the provider has no such message (the earlier attempt died before its call reached it)', async () => {
    const text = 'Never reached Twilio';
    const sms = reply({ channel: 'sms', provider: 'twilio', handle: '+14155550171', text });
    // An earlier attempt claimed the message and died before calling: its lease runs out, `sending` stays.
    await state.claim(TENANT, sms.messageId, 'dead-attempt');
    await state.release(TENANT, sms.messageId, 'dead-attempt');
    const before = gets('/Messages.json').length;

    const outcome = await sms.attempt(2);
    expect(outcome.delivered).toBe('now');
    expect(gets('/Messages.json').length - before).toBe(1);
    expect(posts(smsBody(text))).toHaveLength(1);
  });

  it('does not send blind when the lookup fails: the attempt fails (BullMQ retries it), and the next asks again', async () => {
    const text = 'Lookup trouble';
    apis.hang(smsBody(text));
    const sms = reply({ channel: 'sms', provider: 'twilio', handle: '+14155550172', text });
    await expect(sms.attempt(1)).rejects.toThrow(/provider unreachable/);
    apis.hang(undefined);
    apis.script((call) => (call.method === 'GET' ? { status: 503, json: { code: 20503, message: 'Service Unavailable', status: 503 } } : undefined));
    await expect(sms.attempt(2)).rejects.toThrow(/could not ask the provider whether an earlier attempt reached it: HTTP 503/);
    expect(posts(smsBody(text))).toHaveLength(1);

    apis.script(undefined);
    const third = await sms.attempt(3);
    expect(third).toMatchObject({ delivered: 'before', providerMessageId: apis.providerIdOf(posts(smsBody(text))[0]!) });
    expect(posts(smsBody(text))).toHaveLength(1);
  });

  it('does not ask after an attempt the provider answered with an error: it did not take the message', async () => {
    const text = 'Refused once';
    apis.script((call) => (smsBody(text)(call) && posts(smsBody(text)).length === 1 ? { status: 503, json: { code: 20503, message: 'Service Unavailable' } } : undefined));
    const sms = reply({ channel: 'sms', provider: 'twilio', handle: '+14155550173', text });
    const before = gets('/Messages.json').length;
    await expect(sms.attempt(1)).rejects.toThrow(/HTTP 503/);
    expect(await redis.hget(state.key(TENANT, sms.messageId), 'state')).toBe('refused');
    apis.script(undefined);

    expect((await sms.attempt(2)).delivered).toBe('now');
    expect(posts(smsBody(text))).toHaveLength(2);
    expect(gets('/Messages.json').length).toBe(before);
  });

  it('WhatsApp Cloud API has no lookup: the message is sent again (the window stays open there)', async () => {
    const text = 'No lookup on WhatsApp';
    apis.hang(jsonText(text));
    const wa = reply({ channel: 'social', provider: 'whatsapp', handle: '+14155550174', text });
    await expect(wa.attempt(1)).rejects.toThrow(/provider unreachable/);
    apis.hang(undefined);
    expect((await wa.attempt(2)).delivered).toBe('now');
    expect(posts(jsonText(text))).toHaveLength(2);
  });
});

describe('web chat publishes a message once', () => {
  it('a second send of the same message (an attempt after a worker died before recording it) reaches neither the socket nor the pending list again', async () => {
    const connector = buildConnectors(config, redis, PROVIDER_TIMEOUT_MS).for('chat', 'webchat')!;
    const keys = chatKeys(config.instance);
    const message = (visitor: string, messageId: string) => ({ ...outboundJob(createEvent({ type: 'message.sent', source: '/tests', tenant: TENANT, customer: `c-${visitor}`, time: nextTime(), data: { channel: 'chat', provider: 'webchat', handle: visitor, author: { kind: 'agent', id: 'agent-7' }, text: 'Hi there', messageId } })), handle: visitor });

    // A visitor with a socket: the API instance holding it hears each publish.
    const listening = 'visitor-listening-0001';
    const subscriber = new Redis(config.redis.url);
    const heard: string[] = [];
    try {
      subscriber.on('message', (_channel: string, payload: string) => heard.push(payload));
      await subscriber.subscribe(keys.channel(TENANT, listening));
      const live = message(listening, `chat-${++n}`);
      expect(await connector.send(live, live.messageId)).toEqual({ providerMessageId: live.messageId });
      expect(await connector.send(live, live.messageId)).toEqual({ providerMessageId: live.messageId });
      await eventually('the publish heard', () => heard.length > 0);
      // A second publish would arrive on the same connection right after the first.
      await redis.ping();
      await subscriber.ping();
      expect(heard.map((p) => (JSON.parse(p) as { messageId: string }).messageId)).toEqual([live.messageId]);
    } finally {
      subscriber.disconnect();
    }

    // A visitor without one: the reply waits in the pending list, once.
    const away = 'visitor-away-000001';
    const kept = message(away, `chat-${++n}`);
    await connector.send(kept, kept.messageId);
    await connector.send(kept, kept.messageId);
    expect(await redis.lrange(keys.pending(TENANT, away), 0, -1)).toHaveLength(1);
  });
});

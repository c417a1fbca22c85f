import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent } from '../../../events/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { ProjectionReader } from '../../../src/projections/reader.ts';
import { waitForGroupCaughtUp } from '../../../src/log/group-lag.ts';
import { openKafkaEventLog, type EventLog } from '../../../src/log/event-log.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { buildConnectors } from '../../../src/outbound/connectors/registry.ts';
import { DeliveryState } from '../../../src/outbound/delivery-state.ts';
import { outboundJob, outboundJobId, type OutboundJobData } from '../../../src/outbound/job.ts';
import { outboundProcessor } from '../../../src/outbound/processor.ts';
import { startOutboundRole, type RunningOutbound } from '../../../src/roles/outbound.ts';
import { eventually } from '../../support/collect.ts';
import { nextTime } from '../../support/events.ts';
import { testLogger } from '../../support/kafka.ts';
import { collectEvents, outboundConfig, outboundTestSettings, startProviderApis, startSmtpSink, statusesOf, tearDown, TENANT } from './support.ts';

let config: Config;
let apis: Awaited<ReturnType<typeof startProviderApis>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let outbound: RunningOutbound;
let log: EventLog;
let redis: Redis;
let collected: Awaited<ReturnType<typeof collectEvents>>;
let n = 0;
const extraGroups: string[] = [];

beforeAll(async () => {
  apis = await startProviderApis();
  smtp = await startSmtpSink();
  config = outboundConfig({ providerUrl: apis.url, smtpPort: smtp.port });
  outbound = await startOutboundRole(config, testLogger, outboundTestSettings(config, 3));
  log = await openKafkaEventLog({ kafka: createKafka(config.kafka, testLogger), topic: config.kafka.topics.events, publishTimeoutMs: 10_000 });
  redis = new Redis(config.redis.url);
  collected = await collectEvents(config);
});

afterAll(async () => {
  await collected?.close();
  await outbound?.close();
  await log?.close();
  await apis?.close();
  await smtp?.close();
  redis?.disconnect();
  if (config) await tearDown(config, [collected.group, ...extraGroups]);
});

/** An SMS reply whose text marks it, so the provider script can pick its calls out. */
function sms(text: string) {
  const messageId = `msg-r${++n}`;
  const event = createEvent({
    type: 'message.sent',
    source: '/tests',
    tenant: TENANT,
    customer: `c-r${n}`,
    conversation: `cv_r${n}`,
    time: nextTime(),
    data: { channel: 'sms', provider: 'twilio', handle: '+14155550123', author: { kind: 'agent', id: 'agent-1' }, text, messageId },
  });
  return { event, messageId };
}

const callsWith = (text: string) => apis.calls.filter((c) => new URLSearchParams(c.body).get('Body') === text);
const finished = (messageId: string) => () => statusesOf(collected.events, messageId).some((s) => s.status === 'sent' || s.status === 'failed');

describe('outbound retries', () => {
  it('retries a provider failing twice with back-off, delivers once, and reports queued then sent', async () => {
    apis.script((call) => {
      if (new URLSearchParams(call.body).get('Body') !== 'flaky') return undefined;
      return callsWith('flaky').length <= 2 ? { status: 500, json: { code: 20500, message: 'Internal Server Error' } } : undefined;
    });
    const { event, messageId } = sms('flaky');
    await log.append([event]);
    await eventually('the outcome', finished(messageId));

    const calls = callsWith('flaky');
    expect(calls).toHaveLength(3);
    // Every attempt carries the same idempotency key: Twilio would take a repeat as the same request.
    expect(new Set(calls.map((c) => c.idempotencyToken))).toEqual(new Set([messageId]));
    const statuses = statusesOf(collected.events, messageId);
    expect(statuses.map((s) => s.status)).toEqual(['queued', 'sent']);
    expect(statuses[1]!.attempts).toBe(3);
  });

  it('reports failed with the provider’s error after the last attempt', async () => {
    apis.script((call) => (new URLSearchParams(call.body).get('Body') === 'down' ? { status: 503, json: { message: 'Service Unavailable' } } : undefined));
    const { event, messageId } = sms('down');
    await log.append([event]);
    await eventually('the outcome', finished(messageId));
    expect(callsWith('down')).toHaveLength(3);
    const statuses = statusesOf(collected.events, messageId);
    expect(statuses.map((s) => s.status)).toEqual(['queued', 'failed']);
    expect(statuses[1]).toMatchObject({ attempts: 3, error: expect.stringContaining('HTTP 503') });
  });

  it('does not retry what no retry can mend (a 4xx such as an invalid number)', async () => {
    apis.script((call) =>
      new URLSearchParams(call.body).get('Body') === 'bad number' ? { status: 400, json: { code: 21211, message: "The 'To' number is not a valid phone number." } } : undefined,
    );
    const { event, messageId } = sms('bad number');
    await log.append([event]);
    await eventually('the outcome', finished(messageId));
    expect(callsWith('bad number')).toHaveLength(1);
    expect(statusesOf(collected.events, messageId).at(-1)).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringContaining('21211') });
  });
});

describe('redelivery never sends twice', () => {
  it('a job added again under its id after it completed is skipped, the provider is called once', async () => {
    apis.script(undefined);
    const { event, messageId } = sms('once');
    await log.append([event]);
    await eventually('the sent status', finished(messageId));
    const jobId = outboundJobId(TENANT, messageId);
    const original = await outbound.queue.getJob(jobId);
    await eventually('the job completed', async () => (await original!.getState()) === 'completed');

    // While the completed job is kept, the same id adds nothing.
    await outbound.queue.add('again', original!.data, { jobId });
    // Once it is gone (kept a week, then removed), the delivery state still knows.
    await original!.remove();
    const again = await outbound.queue.add('again', original!.data, { jobId });
    await eventually('the re-added job completed', async () => (await again.getState()) === 'completed');
    expect((await outbound.queue.getJob(jobId))!.returnvalue).toMatchObject({ delivered: 'before' });
    expect(callsWith('once')).toHaveLength(1);
  });

  it('the processor run twice on one job (a stalled job run again) calls the provider once', async () => {
    apis.script(undefined);
    const { event, messageId } = sms('twice');
    const processor = outboundProcessor({
      state: new DeliveryState(redis, config.instance, 10_000),
      connectors: buildConnectors(config, redis, 5000),
      eventLog: log,
      reader: new ProjectionReader(redis, { instance: config.instance, fallback: config.fold.namespace }),
      logger: testLogger,
    });
    const job = { id: 'direct', data: outboundJob(event), attemptsMade: 0, opts: { attempts: 3 } } as unknown as Job<OutboundJobData>;
    const first = await processor(job);
    const second = await processor(job);
    expect(first.delivered).toBe('now');
    expect(second).toEqual({ delivered: 'before', providerMessageId: first.providerMessageId });
    expect(callsWith('twice')).toHaveLength(1);
    await eventually('the sent status', finished(messageId));
    expect(messageId).toBeDefined();
  });

  it('a second consumer group re-reading the whole log enqueues and sends nothing again', async () => {
    const callsBefore = apis.calls.length;
    const queuedBefore = collected.events.filter((e) => e.type === 'message.status_updated' && e.data.status === 'queued').length;
    const settings = { ...outboundTestSettings(config, 3), consumerGroup: `outbound-replay-${config.instance}` };
    extraGroups.push(settings.consumerGroup);
    const replay = await startOutboundRole(config, testLogger, settings);
    try {
      await waitForGroupCaughtUp(createKafka(config.kafka, testLogger), settings.consumerGroup, config.kafka.topics.events, 30_000);
      await sleep(500);
    } finally {
      await replay.close();
    }
    expect(apis.calls.length).toBe(callsBefore);
    // Failed ones included: they are settled, not waiting.
    const queuedAfter = collected.events.filter((e) => e.type === 'message.status_updated' && e.data.status === 'queued').length;
    expect(queuedAfter).toBe(queuedBefore);
  });
});

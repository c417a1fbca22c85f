import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../events/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { openKafkaEventLog, type EventLog } from '../../../src/log/event-log.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { startWebhooksRole, type RunningWebhooks } from '../../../src/roles/webhooks.ts';
import { verifyWebhookSignature, webhookDeliveryId } from '../../../src/webhooks/index.ts';
import { eventually } from '../../support/collect.ts';
import { testLogger } from '../../support/kafka.ts';
import { conversationResolved, SECRET, slaBreached, startSubscriber, tearDown, webhookConfig, type Answer } from './support.ts';

const BACKOFF_MS = 300;
const TIMEOUT_MS = 1000;

let subscriber: Awaited<ReturnType<typeof startSubscriber>>;
let config: Config;
let role: RunningWebhooks;
let log: EventLog;

beforeAll(async () => {
  subscriber = await startSubscriber();
  config = webhookConfig([
    { id: 'crm', tenant: 'acme', url: `${subscriber.url}/crm`, events: ['conversation.*'] },
    // Nothing listens on port 1: the connection is refused, as when a subscriber is down.
    { id: 'nowhere', tenant: 'acme', url: 'http://127.0.0.1:1/hooks', events: ['sla.*'] },
  ]);
  role = await startWebhooksRole(config, testLogger, { attempts: 3, backoffMs: BACKOFF_MS, timeoutMs: TIMEOUT_MS });
  log = await openKafkaEventLog({ kafka: createKafka(config.kafka, testLogger), topic: config.kafka.topics.events, publishTimeoutMs: 10_000 });
});

afterAll(async () => {
  await role?.close();
  await log?.close();
  await subscriber?.close();
  if (config) await tearDown(config);
});

/** A conversation event the subscriber answers as scripted; resolves once its delivery ended. */
async function deliverAgainst(answers: Answer[], subscription = 'crm', event: AnyEvent = conversationResolved('acme')) {
  subscriber.answer(event.id, answers);
  await log.append([event]);
  const deliveryId = webhookDeliveryId(subscription, 'acme', event.id);
  await eventually('the delivery’s end', async () => {
    const state = await role.queue!.getJobState(deliveryId);
    return state === 'completed' || state === 'failed';
  });
  return { event, deliveryId, job: (await role.queue!.getJob(deliveryId))!, record: (await role.records!.read('acme', deliveryId))! };
}

describe('webhook retries', () => {
  it('given a subscriber answering 500 twice then 200, then three attempts with one Webhook-Id, each freshly signed, after growing delays', async () => {
    const counted = role.counters.snapshot();
    const { event, deliveryId, record } = await deliverAgainst([{ status: 500 }, { status: 500 }, { status: 200 }]);

    const attempts = subscriber.of(event.id);
    expect(attempts).toHaveLength(3);
    expect(attempts.map((a) => a.headers['webhook-id'])).toEqual([deliveryId, deliveryId, deliveryId]);
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    for (const a of attempts) {
      const check = verifyWebhookSignature({ secret: SECRET, timestamp: a.headers['webhook-timestamp'] as string, body: a.body, signature: a.headers['webhook-signature'] as string });
      expect(check).toEqual({ ok: true });
    }
    // Exponential back-off: about BACKOFF_MS, then twice that.
    const firstGap = attempts[1]!.arrivedAt - attempts[0]!.arrivedAt;
    const secondGap = attempts[2]!.arrivedAt - attempts[1]!.arrivedAt;
    expect(firstGap).toBeGreaterThanOrEqual(BACKOFF_MS - 20);
    expect(secondGap).toBeGreaterThanOrEqual(2 * BACKOFF_MS - 20);
    expect(secondGap).toBeGreaterThan(firstGap);
    expect(record).toMatchObject({ status: 'delivered', attempts: 3, httpStatus: 200, error: null });
    expect(role.counters.snapshot()).toMatchObject({ retried: counted.retried + 2, delivered: counted.delivered + 1 });
  });

  it('given a subscriber answering 429 with Retry-After: 2, then the next attempt waits those two seconds, not the back-off', async () => {
    const { event, record } = await deliverAgainst([{ status: 429, retryAfter: '2' }, { status: 200 }]);

    const attempts = subscriber.of(event.id);
    expect(attempts).toHaveLength(2);
    const gap = attempts[1]!.arrivedAt - attempts[0]!.arrivedAt;
    expect(gap).toBeGreaterThanOrEqual(2000 - 20);
    expect(gap).toBeLessThan(2000 + 1500);
    expect(record).toMatchObject({ status: 'delivered', attempts: 2, httpStatus: 200 });
  });

  it.each([410, 400, 401])('given a subscriber answering %i, then the delivery fails at once, recorded, without a retry', async (status) => {
    const counted = role.counters.snapshot();
    const { event, job, record } = await deliverAgainst([{ status }, { status: 200 }]);
    expect(subscriber.of(event.id)).toHaveLength(1);
    expect(role.counters.snapshot()).toMatchObject({ failedPermanently: counted.failedPermanently + 1, retried: counted.retried });
    expect(job.attemptsMade).toBe(1);
    expect(record).toMatchObject({ status: 'failed', attempts: 1, httpStatus: status, error: expect.stringContaining(`HTTP ${status}`) });
  });

  it.each([429, 408])('given a subscriber answering %i (try later), then it is retried', async (status) => {
    const { event, record } = await deliverAgainst([{ status }, { status: 200 }]);
    expect(subscriber.of(event.id)).toHaveLength(2);
    expect(record).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('given a subscriber slower than the timeout, then the attempt counts as failed and is retried', async () => {
    const { event, record } = await deliverAgainst([{ status: 200, delayMs: TIMEOUT_MS + 500 }, { status: 200 }]);
    expect(subscriber.of(event.id)).toHaveLength(2);
    expect(record).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('given a subscriber failing every attempt, then after the last one the delivery is recorded failed with the last answer', async () => {
    const counted = role.counters.snapshot();
    const { event, job, record } = await deliverAgainst([{ status: 503 }]);
    expect(subscriber.of(event.id)).toHaveLength(3);
    expect(role.counters.snapshot()).toMatchObject({ failedAfterRetries: counted.failedAfterRetries + 1 });
    expect(job.attemptsMade).toBe(3);
    expect(record).toMatchObject({ status: 'failed', attempts: 3, httpStatus: 503, error: expect.stringContaining('HTTP 503') });
  });

  it('given a subscriber nobody answers for (connection refused), then it is retried and recorded failed, no status', async () => {
    const { job, record } = await deliverAgainst([], 'nowhere', slaBreached('acme'));
    expect(job.attemptsMade).toBe(3);
    expect(record).toMatchObject({ status: 'failed', attempts: 3, httpStatus: null, error: expect.stringContaining('unreachable') });
  });
});

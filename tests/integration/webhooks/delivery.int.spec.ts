import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../events/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { waitForGroupCaughtUp } from '../../../src/log/group-lag.ts';
import { openKafkaEventLog, type EventLog } from '../../../src/log/event-log.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { startWebhooksRole, type RunningWebhooks } from '../../../src/roles/webhooks.ts';
import { verifyWebhookSignature, webhookDeliveryId } from '../../../src/webhooks/index.ts';
import { eventually } from '../../support/collect.ts';
import { testLogger } from '../../support/kafka.ts';
import { conversationResolved, customerMessage, queueIdle, SECRET, startSubscriber, surveyAnswered, tearDown, webhookConfig } from './support.ts';

let subscriber: Awaited<ReturnType<typeof startSubscriber>>;
let config: Config;
let role: RunningWebhooks;
let log: EventLog;
let admin: Admin;

beforeAll(async () => {
  subscriber = await startSubscriber();
  config = webhookConfig([
    { id: 'crm', tenant: 'acme', url: `${subscriber.url}/crm`, events: ['conversation.*'] },
    { id: 'bi', tenant: '*', url: `${subscriber.url}/bi`, events: ['survey.answered'] },
  ]);
  role = await startWebhooksRole(config, testLogger);
  log = await openKafkaEventLog({ kafka: createKafka(config.kafka, testLogger), topic: config.kafka.topics.events, publishTimeoutMs: 10_000 });
  admin = createKafka(config.kafka, testLogger).admin();
  await admin.connect();
});

afterAll(async () => {
  await role?.close();
  await log?.close();
  await admin?.disconnect();
  await subscriber?.close();
  if (config) await tearDown(config);
});

/** The role has read the whole topic and every delivery it queued has run to an end. */
async function settled(): Promise<void> {
  await waitForGroupCaughtUp(createKafka(config.kafka, testLogger), config.webhooks.consumerGroup, config.kafka.topics.events, 30_000);
  await eventually('the delivery queue idle', () => queueIdle(role.queue!));
}

/** Everything already on the topic read again, as after a crash before the offsets were committed. */
async function restartReadingFromTheBeginning(): Promise<void> {
  await role.close();
  await admin.resetOffsets({ groupId: config.webhooks.consumerGroup, topic: config.kafka.topics.events, earliest: true });
  role = await startWebhooksRole(config, testLogger);
  await settled();
}

describe('outbound webhooks', () => {
  let delivered: AnyEvent;

  it('given a subscription to conversation.*, when acme resolves a conversation, then the envelope is POSTed once, signed, with the delivery id', async () => {
    delivered = conversationResolved('acme');
    await log.append([delivered]);
    await eventually('the delivery', () => subscriber.of(delivered.id).length > 0);
    await settled();

    const [request, ...more] = subscriber.of(delivered.id);
    expect(more).toEqual([]);
    expect(request!.path).toBe('/crm');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['webhook-id']).toBe(webhookDeliveryId('crm', 'acme', delivered.id));
    expect(JSON.parse(request!.body)).toEqual(JSON.parse(JSON.stringify(delivered)));
    const timestamp = request!.headers['webhook-timestamp'] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(verifyWebhookSignature({ secret: SECRET, timestamp, body: request!.body, signature: request!.headers['webhook-signature'] as string })).toEqual({ ok: true });

    expect(await role.records!.read('acme', webhookDeliveryId('crm', 'acme', delivered.id))).toMatchObject({ status: 'delivered', attempts: 1, httpStatus: 200, eventType: 'conversation.resolved' });
  });

  it('given subscriptions by tenant and type, when unsubscribed types and another tenant’s conversation events arrive, then only what a subscription wants is delivered', async () => {
    const unsubscribedType = customerMessage('acme');
    const otherTenant = conversationResolved('globex');
    const everyTenant = surveyAnswered('globex');
    await log.append([unsubscribedType, otherTenant, everyTenant]);
    await eventually('the survey delivery', () => subscriber.of(everyTenant.id).length > 0);
    await settled();

    expect(subscriber.of(unsubscribedType.id)).toEqual([]);
    expect(subscriber.of(otherTenant.id)).toEqual([]);
    expect(subscriber.of(everyTenant.id).map((r) => [r.path, r.headers['webhook-id']])).toEqual([['/bi', webhookDeliveryId('bi', 'globex', everyTenant.id)]]);
  });

  it('given the role restarted, when a new consumer joins the same group, then it reads on from the committed offsets: nothing again, new events delivered', async () => {
    const before = subscriber.received.length;
    await role.close();
    role = await startWebhooksRole(config, testLogger);
    const after = conversationResolved('acme');
    await log.append([after]);
    await eventually('the delivery after the restart', () => subscriber.of(after.id).length > 0);
    await settled();
    expect(subscriber.received.length).toBe(before + 1);
    expect(subscriber.of(delivered.id)).toHaveLength(1);
  });

  it('given a delivery still retrying, when the topic is read again, then its one job goes on: one Webhook-Id, no second series of attempts', async () => {
    const retrying = conversationResolved('acme');
    subscriber.answer(retrying.id, [{ status: 500 }, { status: 500 }, { status: 500 }, { status: 200 }]);
    await log.append([retrying]);
    await eventually('the first attempt', () => subscriber.of(retrying.id).length > 0);
    const deliveryId = webhookDeliveryId('crm', 'acme', retrying.id);
    expect((await role.records!.read('acme', deliveryId))?.status).not.toBe('delivered');

    await restartReadingFromTheBeginning();
    const attempts = subscriber.of(retrying.id);
    expect(attempts).toHaveLength(4);
    expect(new Set(attempts.map((r) => r.headers['webhook-id']))).toEqual(new Set([deliveryId]));
    expect(await role.records!.read('acme', deliveryId)).toMatchObject({ status: 'delivered', attempts: 4 });
  });

  it('given the finished jobs removed (they are kept a week), when the topic is read again, then the delivery records still prevent a second delivery', async () => {
    const before = subscriber.received.length;
    await role.queue!.clean(0, 10_000, 'completed');
    expect(await role.queue!.getJob(webhookDeliveryId('crm', 'acme', delivered.id))).toBeUndefined();
    await restartReadingFromTheBeginning();
    expect(subscriber.received.length).toBe(before);
    // The re-read did happen: every delivery on the topic was met again and skipped as settled.
    expect(role.counters.snapshot().skippedSettled).toBe(4);
  });
});

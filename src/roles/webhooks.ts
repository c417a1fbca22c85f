import { Queue, Worker } from 'bullmq';
import type { Config } from '../config/schema.ts';
import { runEventConsumer } from '../log/consumer.ts';
import { createKafka } from '../log/kafka.ts';
import { provisionTopics } from '../log/topics.ts';
import type { Logger } from '../observability/logger.ts';
import { openPrivacy } from '../privacy/index.ts';
import { redisConnection } from '../queues/connection.ts';
import { queuePrefix } from '../queues/names.ts';
import { WebhookCounters } from '../webhooks/counters.ts';
import { DeliveryRecords } from '../webhooks/delivery-records.ts';
import type { WebhookDelivery } from '../webhooks/delivery.ts';
import { webhookBatchHandler } from '../webhooks/enqueue.ts';
import { webhookBackoff, webhookProcessor, type WebhookOutcome } from '../webhooks/processor.ts';
import { webhookSettings, type WebhookSettings } from '../webhooks/settings.ts';
import { openHeld, runsUntilStopped, type Role } from './role.ts';
import { watchRole } from './watch.ts';

export interface RunningWebhooks {
  settings: WebhookSettings;
  /** Null when no subscription is configured: the role then idles and joins no group. */
  queue: Queue<WebhookDelivery> | null;
  records: DeliveryRecords | null;
  counters: WebhookCounters;
  close(): Promise<void>;
}

/**
 * The webhooks role: a consumer group of its own on the event topic turns each event a subscription
 * wants into a delivery job, and workers POST it, signed, to the subscriber. Scale it out freely
 * (jobs are shared through the queue, partitions through the group).
 */
export async function startWebhooksRole(config: Config, logger: Logger, overrides: Partial<WebhookSettings> = {}): Promise<RunningWebhooks> {
  const settings = webhookSettings(config, overrides);
  const log = logger.child({ component: 'webhooks' });
  const counters = new WebhookCounters(log);
  if (settings.subscriptions.length === 0) {
    // Reading the whole topic for nobody is wasted work (the role runs in `all` too): idle. A
    // fresh group starts at the topic's end, so a first subscription gets events from then on.
    log.info('no webhook subscriptions configured; the webhooks role idles');
    return { settings, queue: null, records: null, counters, close: async () => undefined };
  }

  await provisionTopics(config, logger);
  // Released newest first: stop reading, let attempts in hand finish, then let go of the rest.
  return openHeld(async (hold) => {
    const redis = hold.hold(redisConnection(config.redis.url, 'cs-webhooks'), (r) => r.disconnect());
    const bullmq = hold.hold(redisConnection(config.redis.url, 'cs-webhooks-bullmq'), (r) => r.disconnect());
    const privacy = openPrivacy(config, redis);
    const records = new DeliveryRecords(redis, config.instance);
    const prefix = queuePrefix(settings.queue);
    const queue = hold.hold(new Queue<WebhookDelivery>(settings.queue, { connection: redis, prefix }), (q) => q.close());

    const worker = hold.hold(
      new Worker<WebhookDelivery, WebhookOutcome>(settings.queue, webhookProcessor({ records, counters, settings, logger, ...(privacy ? { open: <T>(tenant: string, value: T) => privacy.opener.open(tenant, value) } : {}) }), {
        connection: bullmq,
        prefix,
        concurrency: settings.concurrency,
        lockDuration: Math.max(30_000, settings.timeoutMs * 2),
        settings: {
          backoffStrategy: (attemptsMade, _type, err, job) => {
            const configured = job?.opts.backoff;
            const firstDelayMs = typeof configured === 'object' && configured.delay !== undefined ? configured.delay : settings.backoffMs;
            return webhookBackoff(attemptsMade, firstDelayMs, err);
          },
        },
      }),
      (w) => w.close(),
    );
    worker.on('error', (err) => log.error({ reason: err.message }, 'webhook worker error'));

    // No dead-letter topic: the fold bridge already sets malformed records aside, once.
    const consumer = hold.hold(
      await runEventConsumer({
        kafka: createKafka(config.kafka, logger),
        groupId: settings.consumerGroup,
        topic: config.kafka.topics.events,
        fromBeginning: settings.fromBeginning,
        partitionsConsumedConcurrently: config.kafka.partitions,
        group: config.kafka.consumer,
        logger,
        handleBatch: webhookBatchHandler({ queue, records, counters, settings }),
      }),
      (c) => c.close(),
    );
    watchRole(hold, config, { redis, consumers: [{ group: () => settings.consumerGroup, topic: config.kafka.topics.events, running: consumer.running }], workers: [worker], queues: [queue] });
    counters.start(settings.countersIntervalMs);
    hold.hold(counters, (c) => c.stop());
    log.info({ subscriptions: settings.subscriptions.map((s) => ({ id: s.id, tenant: s.tenant, events: s.events })) }, 'webhook subscriptions');
    return { settings, queue: queue as Queue<WebhookDelivery> | null, records: records as DeliveryRecords | null, counters };
  });
}

/** Outbound webhooks: POSTs the event types subscribers chose, signed, to their URLs. Scale it out freely. */
export const webhooks: Role = async ({ config, logger }) => {
  const running = await startWebhooksRole(config, logger);
  logger.info({ queue: running.settings.queue, group: running.settings.consumerGroup, subscriptions: running.settings.subscriptions.length }, 'webhooks running');
  return { done: runsUntilStopped, stop: running.close };
};

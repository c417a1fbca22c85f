import { Queue, Worker } from 'bullmq';
import type { Config } from '../config/schema.ts';
import { ProjectionReader } from '../projections/reader.ts';
import { runEventConsumer, type RunningConsumer } from '../log/consumer.ts';
import { openKafkaEventLog } from '../log/event-log.ts';
import { createKafka } from '../log/kafka.ts';
import { provisionTopics } from '../log/topics.ts';
import type { Logger } from '../observability/logger.ts';
import { redisConnection } from '../queues/connection.ts';
import { queuePrefix } from '../queues/names.ts';
import { buildConnectors } from '../outbound/connectors/registry.ts';
import { DeliveryState } from '../outbound/delivery-state.ts';
import { outboundBatchHandler } from '../outbound/enqueue.ts';
import type { OutboundJobData } from '../outbound/job.ts';
import { outboundProcessor, type DeliveryOutcome } from '../outbound/processor.ts';
import { outboundSettings, type OutboundSettings } from '../outbound/settings.ts';
import { ThreadIndex } from '../outbound/threads.ts';
import { openHeld, runsUntilStopped, type Role } from './role.ts';

export interface RunningOutbound {
  settings: OutboundSettings;
  queue: Queue<OutboundJobData>;
  worker: Worker<OutboundJobData, DeliveryOutcome>;
  consumer: RunningConsumer;
  close(): Promise<void>;
}

/**
 * The outbound role: a consumer group of its own on the event topic turns `message.sent` into
 * delivery jobs, and workers deliver them through the provider's connector. Both halves run here;
 * scale the role out freely (jobs are shared through the queue, partitions through the group).
 */
export async function startOutboundRole(config: Config, logger: Logger, overrides: Partial<OutboundSettings> = {}): Promise<RunningOutbound> {
  const settings = outboundSettings(config, overrides);
  const log = logger.child({ component: 'outbound' });
  await provisionTopics(config, logger);
  // Released newest first: stop taking new messages, let deliveries in hand finish, then let go of the rest.
  return openHeld(async (hold) => {
    const redis = hold.hold(redisConnection(config.redis.url, 'cs-outbound'), (r) => r.disconnect());
    const bullmq = hold.hold(redisConnection(config.redis.url, 'cs-outbound-bullmq'), (r) => r.disconnect());
    const kafka = createKafka(config.kafka, logger);
    const eventLog = hold.hold(await openKafkaEventLog({ kafka, topic: config.kafka.topics.events, publishTimeoutMs: config.kafka.publishTimeoutMs, maxRecordBytes: config.kafka.maxRecordBytes }), (l) => l.close());
    const state = new DeliveryState(redis, config.instance, settings.providerTimeoutMs * 2 + 5000);
    const connectors = hold.hold(buildConnectors(config, redis, settings.providerTimeoutMs), (c) => c.close());
    const prefix = queuePrefix(settings.queue);
    const queue = hold.hold(new Queue<OutboundJobData>(settings.queue, { connection: redis, prefix }), (q) => q.close());

    const worker = hold.hold(
      new Worker<OutboundJobData, DeliveryOutcome>(
        settings.queue,
        outboundProcessor({ state, connectors, eventLog, logger, reader: new ProjectionReader(redis, { instance: config.instance, fallback: config.fold.namespace }) }),
        { connection: bullmq, prefix, concurrency: settings.concurrency, lockDuration: Math.max(30_000, settings.providerTimeoutMs * 2) },
      ),
      (w) => w.close(),
    );
    worker.on('error', (err) => log.error({ reason: err.message }, 'outbound worker error'));

    // No dead-letter topic: the fold bridge already sets malformed records aside, once.
    const consumer = hold.hold(
      await runEventConsumer({
        kafka,
        groupId: settings.consumerGroup,
        topic: config.kafka.topics.events,
        fromBeginning: settings.fromBeginning,
        partitionsConsumedConcurrently: config.kafka.partitions,
        group: config.kafka.consumer,
        logger,
        handleBatch: outboundBatchHandler({ queue, eventLog, state, threads: new ThreadIndex(redis, config.instance), settings }),
      }),
      (c) => c.close(),
    );
    return { settings, queue, worker, consumer };
  });
}

/** Outbound delivery: reads `message.sent` off the log and hands replies to the providers. Scale it out freely. */
export const outbound: Role = async ({ config, logger }) => {
  const running = await startOutboundRole(config, logger);
  logger.info({ queue: running.settings.queue, group: running.settings.consumerGroup, attempts: running.settings.attempts }, 'outbound running');
  return { done: runsUntilStopped, stop: running.close };
};

import { Queue, Worker } from 'bullmq';
import type { Config } from '../config/schema.ts';
import { provisionTopics } from '../engine/fold.ts';
import { ProjectionReader } from '../http/projections.ts';
import { runEventConsumer, type RunningConsumer } from '../log/consumer.ts';
import { openKafkaEventLog } from '../log/event-log.ts';
import { createKafka } from '../log/kafka.ts';
import type { Logger } from '../observability/logger.ts';
import { redisConnection } from '../queues/connection.ts';
import { queuePrefix } from '../queues/names.ts';
import { buildConnectors } from './connectors/registry.ts';
import { DeliveryState } from './delivery-state.ts';
import { outboundBatchHandler } from './enqueue.ts';
import type { OutboundJobData } from './job.ts';
import { outboundProcessor, type DeliveryOutcome } from './processor.ts';
import { outboundSettings, type OutboundSettings } from './settings.ts';
import { ThreadIndex } from './threads.ts';

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
  const redis = redisConnection(config.redis.url, 'cs-outbound');
  const bullmq = redisConnection(config.redis.url, 'cs-outbound-bullmq');
  const kafka = createKafka(config.kafka, logger);
  const eventLog = await openKafkaEventLog({ kafka, topic: config.kafka.topics.events, publishTimeoutMs: config.kafka.publishTimeoutMs });
  const state = new DeliveryState(redis, config.instance, settings.providerTimeoutMs * 2 + 5000);
  const connectors = buildConnectors(config, redis, settings.providerTimeoutMs);
  const prefix = queuePrefix(settings.queue);
  const queue = new Queue<OutboundJobData>(settings.queue, { connection: redis, prefix });

  const worker = new Worker<OutboundJobData, DeliveryOutcome>(
    settings.queue,
    outboundProcessor({ state, connectors, eventLog, logger, reader: new ProjectionReader(redis, { instance: config.instance, fallback: config.fold.namespace }) }),
    { connection: bullmq, prefix, concurrency: settings.concurrency, lockDuration: Math.max(30_000, settings.providerTimeoutMs * 2) },
  );
  worker.on('error', (err) => log.error({ reason: err.message }, 'outbound worker error'));

  // No dead-letter topic: the fold bridge already sets malformed records aside, once.
  const consumer = await runEventConsumer({
    kafka,
    groupId: settings.consumerGroup,
    topic: config.kafka.topics.events,
    fromBeginning: settings.fromBeginning,
    partitionsConsumedConcurrently: config.kafka.partitions,
    logger,
    handleBatch: outboundBatchHandler({ queue, eventLog, state, threads: new ThreadIndex(redis, config.instance), settings }),
  });

  return {
    settings,
    queue,
    worker,
    consumer,
    // Stop taking new messages first, let deliveries in hand finish, then let go of the rest.
    close: async () => {
      await consumer.close();
      await worker.close();
      await queue.close();
      await connectors.close();
      await eventLog.close();
      redis.disconnect();
      bullmq.disconnect();
    },
  };
}

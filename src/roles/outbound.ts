import { Queue, Worker } from 'bullmq';
import type { Config } from '../config/schema.ts';
import { ProjectionReader } from '../projections/reader.ts';
import { runEventConsumer, type RunningConsumer } from '../log/consumer.ts';
import { openKafkaEventLog } from '../log/event-log.ts';
import { sealingLog } from '../log/sealing.ts';
import { openPrivacy } from '../privacy/index.ts';
import { createKafka } from '../log/kafka.ts';
import { provisionTopics } from '../log/topics.ts';
import type { Logger } from '../observability/logger.ts';
import { redisConnection } from '../queues/connection.ts';
import { mediaQueueName, queuePrefix } from '../queues/names.ts';
import { buildConnectors } from '../outbound/connectors/registry.ts';
import { DeliveryState } from '../outbound/delivery-state.ts';
import { outboundBatchHandler } from '../outbound/enqueue.ts';
import type { OutboundJobData } from '../outbound/job.ts';
import { outboundProcessor, type DeliveryOutcome } from '../outbound/processor.ts';
import { outboundSettings, type OutboundSettings } from '../outbound/settings.ts';
import { ThreadIndex } from '../outbound/threads.ts';
import { AttachmentStore } from '../attachments/store.ts';
import { mediaBatchHandler } from '../media/enqueue.ts';
import type { MediaJobData } from '../media/job.ts';
import { mediaProcessor, type FetchResult } from '../media/processor.ts';
import { openHeld, runsUntilStopped, type Role } from './role.ts';
import { watchRole } from './watch.ts';

export { mediaQueueName };

export interface RunningOutbound {
  settings: OutboundSettings;
  queue: Queue<OutboundJobData>;
  worker: Worker<OutboundJobData, DeliveryOutcome>;
  consumer: RunningConsumer;
  mediaQueue: Queue<MediaJobData>;
  close(): Promise<void>;
}

/**
 * The outbound role: a consumer group of its own on the event topic turns `message.sent` into
 * delivery jobs, and workers deliver them through the provider's connector. Both halves run here;
 * scale the role out freely (jobs are shared through the queue, partitions through the group).
 * The same consumer turns files providers keep (`message.received` attachments with a provider's
 * reference) into fetch jobs, which workers here bring into the attachment store: the role that
 * holds the providers' credentials for sending uses them for fetching too.
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
    const privacy = openPrivacy(config, redis);
    const opened = hold.hold(await openKafkaEventLog({ kafka, topic: config.kafka.topics.events, publishTimeoutMs: config.kafka.publishTimeoutMs, maxRecordBytes: config.kafka.maxRecordBytes }), (l) => l.close());
    const eventLog = privacy ? sealingLog(opened, privacy.seal) : opened;
    const state = new DeliveryState(redis, config.instance, settings.providerTimeoutMs * 2 + 5000);
    const connectors = hold.hold(buildConnectors(config, redis, settings.providerTimeoutMs), (c) => c.close());
    const prefix = queuePrefix(settings.queue);
    const queue = hold.hold(new Queue<OutboundJobData>(settings.queue, { connection: redis, prefix }), (q) => q.close());

    const worker = hold.hold(
      new Worker<OutboundJobData, DeliveryOutcome>(
        settings.queue,
        outboundProcessor({ state, connectors, eventLog, logger, ...(privacy ? { open: <T>(tenant: string, value: T) => privacy.opener.open(tenant, value) } : {}), reader: new ProjectionReader(redis, { instance: config.instance, fallback: config.fold.namespace }) }),
        { connection: bullmq, prefix, concurrency: settings.concurrency, lockDuration: Math.max(30_000, settings.providerTimeoutMs * 2) },
      ),
      (w) => w.close(),
    );
    worker.on('error', (err) => log.error({ reason: err.message }, 'outbound worker error'));

    const mediaQueue = hold.hold(new Queue<MediaJobData>(mediaQueueName(settings.queue), { connection: redis, prefix: queuePrefix(mediaQueueName(settings.queue)) }), (q) => q.close());
    const mediaWorker = hold.hold(
      new Worker<MediaJobData, FetchResult>(
        mediaQueueName(settings.queue),
        mediaProcessor({
          channels: config.channels,
          store: new AttachmentStore(config.channels.attachments.dir),
          maxBytes: config.channels.attachments.maxBytes,
          timeoutMs: settings.providerTimeoutMs,
          eventLog,
          logger,
        }),
        { connection: bullmq, prefix: queuePrefix(mediaQueueName(settings.queue)), concurrency: Math.min(settings.concurrency, 4), lockDuration: Math.max(30_000, settings.providerTimeoutMs * 2) },
      ),
      (w) => w.close(),
    );
    mediaWorker.on('error', (err) => log.error({ reason: err.message }, 'media worker error'));
    const fetchMedia = mediaBatchHandler({ queue: mediaQueue, attempts: settings.attempts, backoffMs: settings.backoffMs });
    const deliver = outboundBatchHandler({ queue, eventLog, state, threads: new ThreadIndex(redis, config.instance), settings });

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
        handleBatch: async (batch) => {
          await fetchMedia(batch);
          await deliver(batch);
        },
      }),
      (c) => c.close(),
    );
    watchRole(hold, config, {
      redis,
      consumers: [{ group: () => settings.consumerGroup, topic: config.kafka.topics.events, running: consumer.running }],
      workers: [worker, mediaWorker],
      queues: [queue, mediaQueue],
    });
    return { settings, queue, worker, consumer, mediaQueue };
  });
}

/** Outbound delivery: reads `message.sent` off the log and hands replies to the providers. Scale it out freely. */
export const outbound: Role = async ({ config, logger }) => {
  const running = await startOutboundRole(config, logger);
  logger.info({ queue: running.settings.queue, group: running.settings.consumerGroup, attempts: running.settings.attempts }, 'outbound running');
  return { done: runsUntilStopped, stop: running.close };
};

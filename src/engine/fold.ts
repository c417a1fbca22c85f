import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import { foldPolicies } from '../config/policies.ts';
import { startFoldBridge, type RunningFoldBridge } from '../fold/bridge.ts';
import { startFoldWorker, type RunningFoldWorker } from '../fold/worker.ts';
import { createKafka } from '../log/kafka.ts';
import { ensureTopics } from '../log/topics.ts';
import type { Logger } from '../observability/logger.ts';
import { redisConnection } from '../queues/connection.ts';

export async function provisionTopics(config: Config, logger: Logger): Promise<void> {
  const admin = createKafka(config.kafka, logger).admin();
  await admin.connect();
  try {
    const { partitions, replicationFactor, topics } = config.kafka;
    await ensureTopics(admin, Object.values(topics).map((topic) => ({ topic, partitions, replicationFactor })));
  } finally {
    await admin.disconnect();
  }
}

export interface Closable {
  close(): Promise<void>;
}

/** The fold bridge: the Kafka consumer group that feeds the fold queue. */
export async function startBridgeRole(config: Config, logger: Logger): Promise<Closable & { bridge: RunningFoldBridge }> {
  await provisionTopics(config, logger);
  const redis: Redis = redisConnection(config.redis.url, 'cs-fold-bridge');
  const bridge = await startFoldBridge({
    kafka: createKafka(config.kafka, logger),
    topic: config.kafka.topics.events,
    deadLetterTopic: config.kafka.topics.deadLetter,
    groupId: config.fold.consumerGroup,
    redis,
    redisUrl: config.redis.url,
    foldQueue: config.fold.queue,
    namespace: config.fold.namespace,
    triggers: true,
    maxJobEvents: config.fold.maxJobEvents,
    partitionsConsumedConcurrently: config.kafka.partitions,
    logger,
  });
  return {
    bridge,
    close: async () => {
      await bridge.close();
      redis.disconnect();
    },
  };
}

/** A fold worker process: runs fold jobs from any bridge. */
export function startFoldWorkerRole(config: Config, logger: Logger): Closable & { worker: RunningFoldWorker } {
  const connection = redisConnection(config.redis.url, 'cs-fold-worker-bullmq');
  const redis = redisConnection(config.redis.url, 'cs-fold-worker');
  const worker = startFoldWorker({
    connection,
    redis,
    queues: { fold: config.fold.queue, workflow: config.fold.workflowQueue },
    policies: foldPolicies(config.tenants),
    concurrency: config.fold.concurrency,
    lockDurationMs: config.fold.lockDuration,
    stalledIntervalMs: config.fold.stalledInterval,
    logger,
  });
  return {
    worker,
    close: async () => {
      await worker.close();
      connection.disconnect();
      redis.disconnect();
    },
  };
}

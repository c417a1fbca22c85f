import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import { foldPolicies } from '../config/policies.ts';
import { startFoldBridge, type RunningFoldBridge } from '../fold/bridge.ts';
import { readLiveAssignment, type LiveAssignment } from '../fold/live-assignment.ts';
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

/**
 * The fold bridge: the Kafka consumer group that feeds the fold queue. It follows the deployment's
 * live assignment, so after a rebuild switched namespaces it continues with the rebuild's group
 * (and offsets) into the rebuilt namespace.
 */
export async function startBridgeRole(
  config: Config,
  logger: Logger,
  options: { pollMs?: number; triggers?: boolean } = {},
): Promise<Closable & { current(): LiveAssignment }> {
  await provisionTopics(config, logger);
  const redis: Redis = redisConnection(config.redis.url, 'cs-fold-bridge');
  const kafka = createKafka(config.kafka, logger);
  const fallback: LiveAssignment = { namespace: config.fold.namespace, group: config.fold.consumerGroup };
  const start = (a: LiveAssignment): Promise<RunningFoldBridge> =>
    startFoldBridge({
      kafka,
      topic: config.kafka.topics.events,
      deadLetterTopic: config.kafka.topics.deadLetter,
      groupId: a.group,
      redis,
      redisUrl: config.redis.url,
      foldQueue: config.fold.queue,
      namespace: a.namespace,
      triggers: options.triggers ?? true,
      maxJobEvents: config.fold.maxJobEvents,
      lanes: config.fold.lanes,
      partitionsConsumedConcurrently: config.kafka.partitions,
      logger,
    });
  let assignment = await readLiveAssignment(redis, config.instance, fallback);
  let bridge: RunningFoldBridge | null = await start(assignment);
  let closed = false;
  let switching: Promise<void> = Promise.resolve();
  // Each poll either keeps the bridge, moves it to a new assignment, or (after a failed move, say
  // Kafka was briefly away) starts it again: a failure is logged and retried at the next poll.
  const poll = setInterval(() => {
    switching = switching
      .then(async () => {
        if (closed) return;
        const next = await readLiveAssignment(redis, config.instance, fallback).catch(() => assignment);
        const same = next.namespace === assignment.namespace && next.group === assignment.group;
        if (same && bridge) return;
        if (!same) logger.info({ from: assignment, to: next }, 'live fold moves to a rebuilt namespace');
        const old = bridge;
        bridge = null;
        await old?.close();
        assignment = next;
        bridge = await start(next);
      })
      .catch((err: unknown) => logger.error({ err }, 'fold bridge could not (re)start; retrying'));
  }, options.pollMs ?? 1000);
  return {
    current: () => assignment,
    close: async () => {
      closed = true;
      clearInterval(poll);
      await switching;
      await bridge?.close();
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
    cacheCustomers: config.fold.cacheCustomers,
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

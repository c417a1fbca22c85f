import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import { startFoldBridge, type RunningFoldBridge } from '../fold/bridge.ts';
import { createKafka } from '../log/kafka.ts';
import { provisionTopics } from '../log/topics.ts';
import type { Logger } from '../observability/logger.ts';
import { readLiveAssignment, type LiveAssignment } from '../projections/live-assignment.ts';
import { redisConnection } from '../queues/connection.ts';
import { queuePrefix } from '../queues/names.ts';
import { Holdings, runsUntilStopped, type Role } from './role.ts';
import { watchRole } from './watch.ts';

/**
 * The fold bridge: the Kafka consumer group that feeds the fold queue. It follows the deployment's
 * live assignment, so after a rebuild switched namespaces it continues with the rebuild's group
 * (and offsets) into the rebuilt namespace.
 */
export async function startBridgeRole(
  config: Config,
  logger: Logger,
  options: { pollMs?: number; triggers?: boolean } = {},
): Promise<{ close(): Promise<void>; current(): LiveAssignment }> {
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
      group: config.kafka.consumer,
      logger,
    });
  let assignment = await readLiveAssignment(redis, config.instance, fallback);
  let bridge: RunningFoldBridge | null = await start(assignment);
  let closed = false;
  let switching: Promise<void> = Promise.resolve();
  // Ready while the bridge is in its group; the fold queue's depth is watched from here, where jobs are added.
  const watching = new Holdings();
  watchRole(watching, config, {
    redis,
    consumers: [{ group: () => assignment.group, topic: config.kafka.topics.events, running: () => bridge?.consumer.running() ?? false }],
    queues: [watching.hold(new Queue(config.fold.queue, { connection: redis, prefix: queuePrefix(config.fold.queue) }), (q) => q.close())],
  });
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
      await watching.releaseAll();
      redis.disconnect();
    },
  };
}

/** The Kafka consumer group that hands per-partition batches to the fold queue. */
export const foldBridge: Role = async ({ config, logger }) => {
  const bridge = await startBridgeRole(config, logger);
  return { done: runsUntilStopped, stop: () => bridge.close() };
};

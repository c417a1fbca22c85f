import { Queue, QueueEvents } from 'bullmq';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { AnyEvent } from '../../events/index.ts';
import { runEventConsumer, type ConsumerGroupTiming, type RunningConsumer } from '../log/consumer.ts';
import type { Logger } from '../observability/logger.ts';
import { redisConnection } from '../queues/connection.ts';
import { queuePrefix } from '../queues/names.ts';
import { cycleJobId, type FoldJobData } from './jobs.ts';
import { FoldLanes } from './lanes.ts';

export interface FoldBridgeOptions {
  kafka: Kafka;
  topic: string;
  deadLetterTopic: string;
  groupId: string;
  /** Connection for queue commands; the bridge opens its own blocking one for queue events. */
  redis: Redis;
  redisUrl: string;
  foldQueue: string;
  namespace: string;
  triggers: boolean;
  maxJobEvents: number;
  /** Jobs in flight at once, each for its own share of the partitions. */
  lanes: number;
  partitionsConsumedConcurrently: number;
  /** Session, heart-beat and rebalance timing of the group (config `kafka.consumer`). */
  group?: ConsumerGroupTiming;
  logger: Logger;
}

export interface RunningFoldBridge {
  consumer: RunningConsumer;
  close(): Promise<void>;
}

type Waiter = { resolve(): void; reject(err: Error): void };

/**
 * Hands each fetch's batches (every partition's contiguous run) to the fold queue, one job per lane
 * and in order (lanes.ts), and has the consumer commit the offsets only once the job completed.
 */
export async function startFoldBridge(o: FoldBridgeOptions): Promise<RunningFoldBridge> {
  const log = o.logger.child({ component: 'fold-bridge', groupId: o.groupId, ns: o.namespace });
  const prefix = queuePrefix(o.foldQueue);
  const queue = new Queue<FoldJobData>(o.foldQueue, { connection: o.redis, prefix });
  // Queue events block on XREAD: they get a connection of their own, to the configured Redis.
  const eventsConnection = redisConnection(o.redisUrl, 'cs-fold-bridge-events');
  const events = new QueueEvents(o.foldQueue, { connection: eventsConnection, prefix });
  await events.waitUntilReady();
  const waiters = new Map<string, Waiter>();
  events.on('completed', ({ jobId }) => {
    waiters.get(jobId)?.resolve();
  });
  events.on('failed', ({ jobId, failedReason }) => {
    waiters.get(jobId)?.reject(new Error(`fold job ${jobId} failed: ${failedReason}`));
  });

  /** Resolves once the job completed: by its event, or by polling should an event be missed. */
  async function runJob(jobId: string, data: FoldJobData, heartbeat: () => Promise<void>): Promise<void> {
    const done = new Promise<void>((resolve, reject) => waiters.set(jobId, { resolve, reject }));
    try {
      const job = await queue.add('fold', data, {
        jobId,
        attempts: 1_000_000,
        backoff: { type: 'exponential', delay: 200 },
        removeOnComplete: true,
        removeOnFail: { age: 24 * 3600 },
      });
      // A job left failed by an earlier bridge has the same id: add() returned it unchanged.
      if ((await job.getState()) === 'failed') await job.retry();
      let settled = false;
      // While a job waits (a crashed worker's job waits for the stall check), keep our group membership.
      const poll = setInterval(() => {
        void heartbeat().catch(() => undefined);
        void queue.getJobState(jobId).then((state) => {
          // removeOnComplete: a job we added that no longer exists has completed.
          if (!settled && (state === 'completed' || state === 'unknown')) waiters.get(jobId)?.resolve();
        });
      }, 2000);
      try {
        await done;
      } finally {
        settled = true;
        clearInterval(poll);
      }
    } finally {
      waiters.delete(jobId);
    }
  }

  // Lanes, cycles, order and failures: lanes.ts. What is left here is the queue: a job is a BullMQ job.
  const lanes = new FoldLanes<AnyEvent>({
    lanes: o.lanes,
    maxJobEvents: o.maxJobEvents,
    submit: ({ topic, events, heartbeat }) => {
      const data: FoldJobData = { ns: o.namespace, topic, partition: events[0]!.p, triggers: o.triggers, events };
      return runJob(cycleJobId(o.namespace, topic, events), data, heartbeat);
    },
    jobFailed: (err) => log.error({ err }, 'fold job failed; its partitions are read again from it'),
  });

  const consumer = await runEventConsumer({
    kafka: o.kafka,
    groupId: o.groupId,
    topic: o.topic,
    deadLetterTopic: o.deadLetterTopic,
    partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
    // Fetches of a few MB, not tens: the bridge decodes and validates a fetch while the fold works
    // on the one before, and that overlap is the bridge's speed. One 64 MB fetch of a backlog left
    // the worker idle for seconds while it was decoded (measured: 200k events in 8.5 s with 4.5 s
    // to the first commit; with these sizes 7 s with 1.1 s).
    maxBytesPerPartition: 1024 * 1024,
    maxBytes: 8 * 1024 * 1024,
    ...(o.group ? { group: o.group } : {}),
    logger: log,
    handleBatch: (batch) => lanes.handOff(batch),
  });
  log.info('fold bridge running');

  return {
    consumer,
    close: async () => {
      await consumer.close();
      await events.close();
      await queue.close();
      eventsConnection.disconnect();
    },
  };
}

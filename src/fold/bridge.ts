import { Queue, QueueEvents } from 'bullmq';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { runEventConsumer, type EventBatch, type RunningConsumer } from '../log/consumer.ts';
import type { Logger } from '../observability/logger.ts';
import { redisConnection } from '../queues/connection.ts';
import { queuePrefix } from '../queues/names.ts';
import { cycleJobId, type FoldJobData } from './jobs.ts';

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
  partitionsConsumedConcurrently: number;
  logger: Logger;
}

export interface RunningFoldBridge {
  consumer: RunningConsumer;
  close(): Promise<void>;
}

type Waiter = { resolve(): void; reject(err: Error): void };

/**
 * Hands each fetch's batches (every partition's contiguous run) to the fold queue as one job; a
 * partition's next batch waits (kafkajs never gives a partition its next batch before eachBatch
 * returned), and the consumer commits the offsets only once the job completed.
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

  /**
   * The batches one fetch hands over (kafkajs calls eachBatch for every partition of a fetch at
   * once) go to the fold as one job: one queue round trip per fetch instead of one per partition,
   * and larger pipelines in the worker. Every partition's offsets are still committed only after
   * that job completed; a customer's events stay in order (one partition each, one job per fetch in
   * flight). Batches arriving in the same turn of the event loop join one cycle.
   */
  type Pending = { batch: EventBatch; resolve(): void; reject(err: Error): void };
  let cycle: Pending[] | null = null;

  async function runCycle(items: Pending[]): Promise<void> {
    const all = items.flatMap(({ batch }) => batch.events.map((c) => ({ o: c.offset, e: c.event, p: batch.partition })));
    const heartbeat = () => Promise.all(items.map((i) => i.batch.heartbeat())).then(() => undefined);
    const topic = items[0]!.batch.topic;
    for (let i = 0; i < all.length; i += o.maxJobEvents) {
      const chunk = all.slice(i, i + o.maxJobEvents);
      const data: FoldJobData = { ns: o.namespace, topic, partition: chunk[0]!.p, triggers: o.triggers, events: chunk };
      await runJob(cycleJobId(o.namespace, topic, chunk), data, heartbeat);
    }
  }

  function handleBatch(batch: EventBatch): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!cycle) {
        const items: Pending[] = (cycle = []);
        setImmediate(() => {
          cycle = null;
          runCycle(items).then(
            () => items.forEach((i) => i.resolve()),
            (err: Error) => items.forEach((i) => i.reject(err)),
          );
        });
      }
      cycle.push({ batch, resolve, reject });
    });
  }

  const consumer = await runEventConsumer({
    kafka: o.kafka,
    groupId: o.groupId,
    topic: o.topic,
    deadLetterTopic: o.deadLetterTopic,
    partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
    logger: log,
    handleBatch,
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

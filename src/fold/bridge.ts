import { Queue, QueueEvents } from 'bullmq';
import type { Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { runEventConsumer, type EventBatch, type HandOff, type RunningConsumer } from '../log/consumer.ts';
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
  /** Jobs in flight at once, each for its own share of the partitions. */
  lanes: number;
  partitionsConsumedConcurrently: number;
  logger: Logger;
}

export interface RunningFoldBridge {
  consumer: RunningConsumer;
  close(): Promise<void>;
}

type Waiter = { resolve(): void; reject(err: Error): void };

/**
 * Hands each fetch's batches (every partition's contiguous run) to the fold queue as one job, in
 * order, and has the consumer commit the offsets only once the job completed.
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
   * once) go to the fold in few jobs: batches arriving in the same turn of the event loop form a
   * cycle, and a cycle is one job per lane (a fixed share of the partitions). One queue round trip
   * per lane per fetch instead of one per partition, and larger pipelines in the worker.
   *
   * Cycles are handed off: the consumer fetches, decodes and validates the next cycle while the
   * fold works on this one. Each lane sends its jobs one at a time, in order, so a customer's events
   * (one partition, so one lane) are folded in log order, while the lanes' jobs run side by side
   * (the worker computes one while Redis commits another). One cycle may wait behind the one in
   * flight in each lane; further batches wait to be taken on (backpressure). A partition's offsets
   * are committed only once its job completed. If a job fails, the lane's partitions are rewound
   * to it and read again: the job and every batch behind it in the lane fail (a new era of the
   * lane begins; batches taken before it are refused).
   */
  type Pending = { batch: EventBatch; era: number; resolve(): void; reject(err: Error): void };
  const MAX_WAITING_CYCLES = 1;

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

  const refuse = (items: Pending[], err: Error) => {
    // Rewind first (synchronously), so no batch fetched before can be taken on after this.
    for (const i of items) i.batch.rewind();
    for (const i of items) i.reject(err);
  };

  class Lane {
    /** Bumped by a failure: batches taken on in an earlier era are refused. */
    era = 0;
    private readonly waiting: Pending[][] = [];
    private admissions: Promise<void> = Promise.resolve();
    private room: (() => void) | null = null;
    private pumping = false;

    /** Takes a cycle's share on once there is room behind the job in flight; shares are taken in order. */
    admit(items: Pending[]): Promise<void> {
      this.admissions = this.admissions.then(async () => {
        while (this.waiting.length >= MAX_WAITING_CYCLES) await new Promise<void>((resolve) => (this.room = resolve));
        const stale = items.filter((i) => i.era !== this.era);
        if (stale.length > 0) refuse(stale, new Error('an earlier fold job of this lane failed; read again'));
        const current = items.filter((i) => i.era === this.era);
        if (current.length > 0) {
          this.waiting.push(current);
          void this.pump();
        }
      });
      return this.admissions;
    }

    private fail(items: Pending[], err: unknown): void {
      const error = err instanceof Error ? err : new Error(String(err));
      log.error({ err: error }, 'fold job failed; its partitions are read again from it');
      this.era++;
      refuse([...items, ...this.waiting.splice(0).flat()], error);
    }

    private async pump(): Promise<void> {
      if (this.pumping) return;
      this.pumping = true;
      try {
        for (let items = this.waiting.shift(); items; items = this.waiting.shift()) {
          this.room?.();
          this.room = null;
          try {
            await runCycle(items);
            for (const i of items) i.resolve();
          } catch (err) {
            this.fail(items, err);
          }
        }
      } finally {
        this.pumping = false;
      }
    }
  }
  const lanes = Array.from({ length: Math.max(1, o.lanes) }, () => new Lane());

  let collecting: Pending[] | null = null;
  /** Resolves once the cycle being collected has been taken on by its lanes. */
  let cycleAdmitted: Promise<void> = Promise.resolve();

  function handleBatch(batch: EventBatch): Promise<HandOff> {
    let pending!: Pending;
    const era = lanes[batch.partition % lanes.length]!.era;
    const handled = new Promise<void>((resolve, reject) => (pending = { batch, era, resolve, reject }));
    handled.catch(() => undefined); // the consumer looks at it once the batch is taken on
    if (!collecting) {
      const items: Pending[] = (collecting = []);
      cycleAdmitted = new Promise<void>((resolve) =>
        setImmediate(() => {
          collecting = null;
          const shares = new Map<number, Pending[]>();
          for (const item of items) {
            const lane = item.batch.partition % lanes.length;
            const share = shares.get(lane);
            if (share) share.push(item);
            else shares.set(lane, [item]);
          }
          void Promise.all([...shares].map(([lane, share]) => lanes[lane]!.admit(share))).then(() => resolve());
        }),
      );
    }
    collecting.push(pending);
    return cycleAdmitted.then(() => ({ handled }));
  }

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

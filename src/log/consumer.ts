import { Partitioners, type Consumer, type ConsumerRunConfig, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import type { AnyEvent, ParseFailure } from '../../events/index.ts';
import { DEFAULT_CONSUMER_GROUP } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';
import { countDeadLetters } from '../observability/metrics.ts';
import { fromRecord, headerText, headerNames } from './record.ts';

export interface ConsumedEvent {
  event: AnyEvent;
  partition: number;
  offset: string;
}

/** A contiguous run of one partition's records, in log order, malformed ones already set aside. */
export interface EventBatch {
  topic: string;
  partition: number;
  events: ConsumedEvent[];
  /** Offset of the last record of the run (valid or not): committed once the handler resolved. */
  lastOffset: string;
  /**
   * Keeps the group membership while the batch is being handled (sent at most every
   * heartbeatInterval, so call it as often as you like). Valid after the handler returned too: it
   * always beats for the consumer's current run, also after a crash restarted it.
   */
  heartbeat(): Promise<void>;
  /**
   * For a hand-off that cannot be handled: read the partition again from this batch. Batches of the
   * partition fetched before (later offsets) are passed over from this moment, never handed on.
   */
  rewind(): void;
}

export interface EventConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  /** Where malformed records go; none for readers that only re-read the log (rebuild, replay). */
  deadLetterTopic?: string;
  /** How many partitions are handled at the same time (each still strictly in order). */
  partitionsConsumedConcurrently?: number;
  fromBeginning?: boolean;
  maxWaitTimeInMs?: number;
  maxBytesPerPartition?: number;
  /** A fetch's whole response at most. */
  maxBytes?: number;
  /** Session, heart-beat and rebalance timing (config `kafka.consumer`); the schema's defaults if left out. */
  group?: ConsumerGroupTiming;
  logger: Logger;
  /**
   * Handles a batch: resolves once it is handled, and its offsets are then committed. Or resolves
   * early with `{ handled }`, once the handler has taken the batch on (a hand-off): kafkajs then
   * fetches the next batch while this one is still being handled, and the offsets are committed
   * when `handled` resolves. Should `handled` reject, the partition is read again from that batch
   * (`rewind`); a handler holding later batches of the partition must rewind and reject them too.
   */
  handleBatch(batch: EventBatch): Promise<void | HandOff>;
}

export interface HandOff {
  handled: Promise<void>;
}

/** Milliseconds each; see the config schema's `kafka.consumer` for why these values. */
export interface ConsumerGroupTiming {
  sessionTimeout: number;
  heartbeatInterval: number;
  rebalanceTimeout: number;
}

export interface RunningConsumer {
  /** Stops fetching, lets the batches in hand finish and commit, then leaves the group. */
  close(): Promise<void>;
  consumer: Consumer;
  /** In its group and fetching: joined, and not crashed or stopped since (readiness asks this). */
  running(): boolean;
}

/** Heart-beat answers after which a member must join the group again (kafkajs rejoins on these when it hears them). */
const REJOIN = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'NOT_COORDINATOR_FOR_GROUP', 'UNKNOWN_MEMBER_ID']);

/** Dead-letter headers: why the record was set aside and where it came from. */
export const deadLetterHeaders = {
  code: 'dlq_code',
  reason: 'dlq_reason',
  topic: 'dlq_source_topic',
  partition: 'dlq_source_partition',
  offset: 'dlq_source_offset',
} as const;

function deadLetter(topic: string, partition: number, message: KafkaMessage, failure: ParseFailure) {
  const reason = [failure.error.message, ...failure.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)]
    .join('; ')
    .slice(0, 4000);
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [deadLetterHeaders.code]: failure.error.code,
      [deadLetterHeaders.reason]: reason,
      [deadLetterHeaders.topic]: topic,
      [deadLetterHeaders.partition]: String(partition),
      [deadLetterHeaders.offset]: message.offset,
    },
  };
}

/**
 * Consumes the event topic in per-partition batches and commits a batch's offsets only after the
 * handler handled it (resolved, or resolved a hand-off), so a crash re-delivers rather than loses (at-least-once; the fold makes the
 * effect exactly-once). A record that does not parse goes to the dead-letter topic with its reason
 * and the consumer goes on.
 */
export async function runEventConsumer(options: EventConsumerOptions): Promise<RunningConsumer> {
  const log = options.logger.child({ component: 'consumer', groupId: options.groupId });
  const timing = options.group ?? DEFAULT_CONSUMER_GROUP;
  // kafkajs sends one heart-beat per interval at most: calling twice as often keeps the gaps short.
  const beatEveryMs = Math.max(250, Math.floor(timing.heartbeatInterval / 2));
  let closing = false;
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    // Short fetch waits keep event-to-projection lag low when traffic is light.
    maxWaitTimeInMs: options.maxWaitTimeInMs ?? 100,
    // Large per-partition fetches when there is a backlog: the fold groups a batch by customer, so
    // the more of a partition one batch holds, the fewer projection writes per event.
    maxBytesPerPartition: options.maxBytesPerPartition ?? 8 * 1024 * 1024,
    maxBytes: options.maxBytes ?? 64 * 1024 * 1024,
    sessionTimeout: timing.sessionTimeout,
    heartbeatInterval: timing.heartbeatInterval,
    rebalanceTimeout: timing.rebalanceTimeout,
    // Outages shorter than about 25 s (the client's retry settings, src/log/kafka.ts) are ridden
    // out under the same member id. Longer ones crash the consumer and kafkajs starts it again as a
    // new member (the old one, unable to leave, expires with its session); not while closing.
    retry: { restartOnFailure: () => Promise.resolve(!closing) },
  });
  const dlqProducer: Producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await Promise.all([consumer.connect(), dlqProducer.connect()]);
  await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });

  // Hand-offs not yet handled (close() waits for them), and per partition the next offset to take
  // on. A rewound partition takes nothing on until the records from the rewind point arrive: the
  // batches fetched before it are passed over, never handled out of order.
  const handingOff = new Set<Promise<unknown>>();
  let accepting = 0;
  const nextToTake = new Map<number, bigint>();
  const rewound = new Set<number>();
  const rewind = (partition: number, offset: string) => {
    const at = BigInt(offset);
    if (rewound.has(partition) && at >= nextToTake.get(partition)!) return; // already rewound further back
    nextToTake.set(partition, at);
    rewound.add(partition);
    try {
      consumer.seek({ topic: options.topic, partition, offset });
    } catch (err) {
      // Not running (crashed, being started again): the next run reads from the committed offsets,
      // which are at or before this batch (a batch's offsets are committed only once handled).
      log.warn({ partition, offset, reason: (err as Error).message }, 'could not seek; the partition is read again from its committed offset');
    }
  };
  const passedOver = (partition: number, firstOffset: string) => {
    if (!rewound.has(partition)) return false;
    if (BigInt(firstOffset) > nextToTake.get(partition)!) return true;
    rewound.delete(partition);
    return false;
  };

  // The heart-beat of the consumer's current run: kafkajs hands one to each eachBatch call, bound to
  // the run (a crash restart makes a new one). A hand-off still waiting for its job after a restart
  // must beat for the new run, or the new member would miss beats while the old one is gone.
  let currentHeartbeat: () => Promise<void> = () => Promise.resolve();
  // kafkajs sends at most one heart-beat per interval, and only the call that sends it hears the
  // answer. When that is a handler's beat (the bridge's, while a job waits) and the answer is
  // "rejoin" (a rebalance: a member died, or joined), kafkajs itself never hears it: its own beats
  // in the interval after are not sent. So the answer is kept and thrown from the end of the next
  // eachBatch, which makes kafkajs rejoin; otherwise the member would fetch on until the coordinator
  // gave up on it (rebalanceTimeout), holding every other member's rejoin that long.
  let mustRejoin: unknown = null;
  /** Until our next restart of a crashed consumer; doubles while it keeps crashing, reset by a batch handled. */
  let restartDelayMs = 1000;
  const heartbeatNow = () =>
    currentHeartbeat().catch((err: unknown) => {
      if (REJOIN.has((err as { type?: string }).type ?? '')) mustRejoin ??= err;
      throw err;
    });

  const runConfig: ConsumerRunConfig = {
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset, commitOffsetsIfNecessary }: EachBatchPayload) => {
      currentHeartbeat = heartbeat;
      if (batch.messages.length === 0 || !isRunning() || isStale()) return;
      const firstOffset = batch.messages[0]!.offset;
      if (passedOver(batch.partition, firstOffset)) return;
      const events: ConsumedEvent[] = [];
      const rejected = [];
      for (const message of batch.messages) {
        const parsed = fromRecord(message);
        if (parsed.ok) {
          events.push({ event: parsed.event, partition: batch.partition, offset: message.offset });
        } else {
          rejected.push(deadLetter(batch.topic, batch.partition, message, parsed));
          log.warn(
            { partition: batch.partition, offset: message.offset, code: parsed.error.code, type: headerText(message.headers, headerNames.type) },
            'record set aside on the dead-letter topic',
          );
        }
      }
      // The dead letters are written before anything is committed, so none is lost on a crash.
      if (rejected.length > 0 && options.deadLetterTopic) {
        await dlqProducer.send({ topic: options.deadLetterTopic, acks: -1, messages: rejected });
        countDeadLetters(rejected.map((r) => String(r.headers[deadLetterHeaders.code])));
      }
      const lastOffset = batch.messages[batch.messages.length - 1]!.offset;
      // Explicit commit of the next offset to read: with autoCommit off, kafkajs commits nothing itself.
      const next = (BigInt(lastOffset) + 1n).toString();
      // Checked again after the await above; from here to the handler nothing else runs.
      if (passedOver(batch.partition, firstOffset)) return;
      accepting++;
      let handOff: void | HandOff;
      // kafkajs heart-beats from its own loop, which waits for this call: while the handler holds
      // the batch (the bridge's hand-off waiting for room in its lane, a rebuild folding a fetch),
      // beat for it, or a handler slower than the session would cost the membership.
      const beating = setInterval(() => void heartbeatNow().catch(() => undefined), beatEveryMs);
      try {
        const rewindHere = () => rewind(batch.partition, firstOffset);
        handOff = events.length > 0 ? await options.handleBatch({ topic: batch.topic, partition: batch.partition, events, lastOffset, heartbeat: heartbeatNow, rewind: rewindHere }) : undefined;
      } finally {
        clearInterval(beating);
        accepting--;
      }
      // Rewound while it was being taken on: the seek stands, this batch counts for nothing.
      if (rewound.has(batch.partition)) return;
      resolveOffset(lastOffset);
      if (handOff) {
        nextToTake.set(batch.partition, BigInt(next));
        const settled = handOff.handled.then(
          () => consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]),
          (err: unknown) => {
            log.warn({ partition: batch.partition, from: firstOffset, err }, 'a handed-off batch failed; reading the partition again from it');
            rewind(batch.partition, firstOffset);
          },
        );
        // A commit refused in a rebalance is harmless: the next owner reads again, and the fold ignores repeats.
        const tracked = settled.catch((err: unknown) => log.warn({ partition: batch.partition, err }, 'commit after hand-off failed'));
        handingOff.add(tracked);
        void tracked.finally(() => handingOff.delete(tracked));
      } else {
        await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
      }
      restartDelayMs = 1000;
      if (mustRejoin) throw mustRejoin;
      await heartbeat();
    },
  };

  // A crash kafkajs does not restart (an error it deems not retriable, a bug in a handler say)
  // would leave the process up with the consumer gone and its partitions unread: start it again
  // ourselves, backing off while it keeps failing.
  let restarting: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  // A member from its join until its run crashes or stops; kafkajs starts a crashed run again and it joins anew.
  let member = false;
  consumer.on(consumer.events.STOP, () => (member = false));
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    member = true;
    mustRejoin = null;
    const partitions = Object.values(payload.memberAssignment).reduce((n, p) => n + p.length, 0);
    log.info({ partitions, joinMs: payload.duration, leader: payload.isLeader }, 'joined the consumer group');
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    member = false;
    // That run's member is gone: nothing beats for it until the next run hands out its heart-beat.
    currentHeartbeat = () => Promise.resolve();
    mustRejoin = null;
    if (payload.restart || closing || restarting) return;
    log.error({ reason: payload.error.message, inMs: restartDelayMs }, 'consumer stopped on an error kafkajs does not retry; starting it again');
    restarting = (async () => {
      while (!closing) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, restartDelayMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
        restartDelayMs = Math.min(restartDelayMs * 2, 30_000);
        if (closing) return;
        try {
          await consumer.connect();
          if (!closing) await consumer.run(runConfig);
          return;
        } catch (err) {
          log.error({ reason: (err as Error).message, inMs: restartDelayMs }, 'consumer could not start again; retrying');
        }
      }
    })().finally(() => (restarting = null));
  });

  await consumer.run(runConfig);

  return {
    consumer,
    running: () => member && !closing,
    close: async () => {
      closing = true;
      wake?.();
      await restarting;
      // Stop fetching, let the batches handed off be handled and committed (committing needs the
      // group, which stopping leaves), then leave.
      try {
        consumer.pause([{ topic: options.topic }]);
      } catch {
        // Not running (a crash, between restarts): there is no fetching to stop.
      }
      while (handingOff.size > 0 || accepting > 0) {
        if (handingOff.size > 0) await Promise.allSettled([...handingOff]);
        else await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await consumer.disconnect();
      await dlqProducer.disconnect();
    },
  };
}

import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import type { AnyEvent, ParseFailure } from '../../events/index.ts';
import type { Logger } from '../observability/logger.ts';
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

export interface RunningConsumer {
  /** Stops fetching, lets the batches in hand finish and commit, then leaves the group. */
  close(): Promise<void>;
  consumer: Consumer;
}

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
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    // Short fetch waits keep event-to-projection lag low when traffic is light.
    maxWaitTimeInMs: options.maxWaitTimeInMs ?? 100,
    // Large per-partition fetches when there is a backlog: the fold groups a batch by customer, so
    // the more of a partition one batch holds, the fewer projection writes per event.
    maxBytesPerPartition: options.maxBytesPerPartition ?? 8 * 1024 * 1024,
    maxBytes: options.maxBytes ?? 64 * 1024 * 1024,
    sessionTimeout: 60_000,
    heartbeatInterval: 3_000,
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
    consumer.seek({ topic: options.topic, partition, offset });
  };
  const passedOver = (partition: number, firstOffset: string) => {
    if (!rewound.has(partition)) return false;
    if (BigInt(firstOffset) > nextToTake.get(partition)!) return true;
    rewound.delete(partition);
    return false;
  };

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset, commitOffsetsIfNecessary }: EachBatchPayload) => {
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
      if (rejected.length > 0 && options.deadLetterTopic) await dlqProducer.send({ topic: options.deadLetterTopic, acks: -1, messages: rejected });
      const lastOffset = batch.messages[batch.messages.length - 1]!.offset;
      // Explicit commit of the next offset to read: with autoCommit off, kafkajs commits nothing itself.
      const next = (BigInt(lastOffset) + 1n).toString();
      // Checked again after the await above; from here to the handler nothing else runs.
      if (passedOver(batch.partition, firstOffset)) return;
      accepting++;
      let handOff: void | HandOff;
      try {
        const rewindHere = () => rewind(batch.partition, firstOffset);
        handOff = events.length > 0 ? await options.handleBatch({ topic: batch.topic, partition: batch.partition, events, lastOffset, heartbeat, rewind: rewindHere }) : undefined;
      } finally {
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
      await heartbeat();
    },
  });

  return {
    consumer,
    close: async () => {
      // Stop fetching, let the batches handed off be handled and committed (committing needs the
      // group, which stopping leaves), then leave.
      consumer.pause([{ topic: options.topic }]);
      while (handingOff.size > 0 || accepting > 0) {
        if (handingOff.size > 0) await Promise.allSettled([...handingOff]);
        else await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await consumer.disconnect();
      await dlqProducer.disconnect();
    },
  };
}

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
  logger: Logger;
  handleBatch(batch: EventBatch): Promise<void>;
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
 * handler resolved, so a crash re-delivers rather than loses (at-least-once; the fold makes the
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
    maxBytes: 64 * 1024 * 1024,
    sessionTimeout: 60_000,
    heartbeatInterval: 3_000,
  });
  const dlqProducer: Producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await Promise.all([consumer.connect(), dlqProducer.connect()]);
  await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset, commitOffsetsIfNecessary }: EachBatchPayload) => {
      if (batch.messages.length === 0 || !isRunning() || isStale()) return;
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
      if (events.length > 0) {
        await options.handleBatch({ topic: batch.topic, partition: batch.partition, events, lastOffset, heartbeat });
      }
      resolveOffset(lastOffset);
      // Explicit commit of the next offset to read: with autoCommit off, kafkajs commits nothing itself.
      const next = (BigInt(lastOffset) + 1n).toString();
      await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
      await heartbeat();
    },
  });

  return {
    consumer,
    close: async () => {
      await consumer.disconnect();
      await dlqProducer.disconnect();
    },
  };
}

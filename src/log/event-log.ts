import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { AnyEvent } from '../../events/index.ts';
import { countAppendFailure, countAppended } from '../observability/metrics.ts';
import { coalescing } from './coalesce.ts';
import { withinDeadline } from './deadline.ts';
import { toRecord } from './record.ts';
import { openLogProbe, type LogProbe } from './append-probe.ts';
import { DEFAULT_MAX_RECORD_BYTES, isRecordTooLarge, RecordTooLargeError, recordBytes } from './record-size.ts';

/** The narrow door through which every state change enters the engine. */
export interface EventLog {
  /** Resolves once every event is acknowledged by all in-sync replicas (order kept per key, and between appends of one caller). */
  append(events: readonly AnyEvent[]): Promise<void>;
  close(): Promise<void>;
  /** Reads the topic back for the doors' claims (channels/claims.ts); absent on a log that cannot be read back. */
  readonly probe?: LogProbe;
}

export interface KafkaEventLogOptions {
  kafka: Kafka;
  topic: string;
  publishTimeoutMs: number;
  /** The largest record written (`kafka.maxRecordBytes`, default 1,000,000); a larger event is refused before sending. */
  maxRecordBytes?: number;
}

/**
 * An idempotent producer with acks=all. A batch is one send, or part of one: appends that arrive
 * while a send is in flight go out together in the next (coalesce.ts). kafkajs groups a send per
 * partition, and the idempotent producer's sequence numbers keep a retried send from being written twice.
 */
export async function openKafkaEventLog(options: KafkaEventLogOptions): Promise<EventLog> {
  const producer: Producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // murmur2 over the key, as the Java client does: an adapter in another language that
    // publishes with the same key lands on the same partition, so per-customer order holds.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();

  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;

  const send = coalescing<Message>(async (messages) => {
    try {
      await withinDeadline(producer.send({ topic: options.topic, acks: -1, messages }), options.publishTimeoutMs, {
        timeout: 'Kafka did not acknowledge',
        failed: 'Kafka refused the append',
      });
    } catch (err) {
      // The broker's own limit is lower than ours: still a refusal for size, not an outage.
      if (isRecordTooLarge((err as Error).cause)) throw new RecordTooLargeError(`the broker refused the records as too large (${(err as Error).message})`, undefined, maxRecordBytes);
      throw err;
    }
    // Coalesced appends stay under one record's limit a send (the broker's default message size),
    // so a send is never refused for its size where each append alone would not be.
  }, maxRecordBytes);

  async function append(events: readonly AnyEvent[]): Promise<void> {
    if (events.length === 0) return;
    const messages = events.map(toRecord);
    let bytes = 0;
    // Measured before sending: the broker would refuse the record on every retry, which is no outage.
    messages.forEach((message, i) => {
      const size = recordBytes(message);
      bytes += size;
      if (size > maxRecordBytes) {
        const { id, type } = events[i]!;
        throw new RecordTooLargeError(`event ${id} (${type}) is ${size} bytes as a Kafka record; the limit is ${maxRecordBytes}`, size, maxRecordBytes, { id, type });
      }
    });
    await send(messages, bytes).catch((err: unknown) => {
      countAppendFailure(err instanceof RecordTooLargeError ? 'too_large' : 'unavailable');
      throw err;
    });
    countAppended(events);
  }

  const probe = openLogProbe({ kafka: options.kafka, topic: options.topic, timeoutMs: options.publishTimeoutMs });

  return {
    append,
    probe,
    async close() {
      await probe.close();
      await producer.disconnect();
    },
  };
}

export { LogUnavailableError } from './deadline.ts';
export { RecordTooLargeError } from './record-size.ts';

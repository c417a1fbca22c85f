import { Partitioners, type Kafka, type Producer, type RecordMetadata } from 'kafkajs';
import type { AnyEvent } from '../../events/index.ts';
import { withinDeadline } from './deadline.ts';
import { toRecord } from './record.ts';
import { openLogProbe, type LogProbe } from './append-probe.ts';
import { DEFAULT_MAX_RECORD_BYTES, isRecordTooLarge, RecordTooLargeError, recordBytes } from './record-size.ts';


export interface Position {
  partition: number;
  offset: string;
}

/** The narrow door through which every state change enters the engine. */
export interface EventLog {
  /** Resolves once every event is acknowledged by all in-sync replicas (order kept per key); one position per partition written, at its first offset. */
  append(events: readonly AnyEvent[]): Promise<Position[]>;
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
 * An idempotent producer with acks=all. A batch is one send: kafkajs groups it per partition, and
 * the idempotent producer's sequence numbers keep a retried batch from being written twice.
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

  async function append(events: readonly AnyEvent[]): Promise<Position[]> {
    if (events.length === 0) return [];
    const messages = events.map(toRecord);
    // Measured before sending: the broker would refuse the record on every retry, which is no outage.
    messages.forEach((message, i) => {
      const bytes = recordBytes(message);
      if (bytes > maxRecordBytes) {
        const { id, type } = events[i]!;
        throw new RecordTooLargeError(`event ${id} (${type}) is ${bytes} bytes as a Kafka record; the limit is ${maxRecordBytes}`, bytes, maxRecordBytes, { id, type });
      }
    });
    let sent: RecordMetadata[];
    try {
      sent = await withinDeadline(producer.send({ topic: options.topic, acks: -1, messages }), options.publishTimeoutMs, {
        timeout: 'Kafka did not acknowledge',
        failed: 'Kafka refused the append',
      });
    } catch (err) {
      // The broker's own limit is lower than ours: still a refusal for size, not an outage.
      if (isRecordTooLarge((err as Error).cause)) throw new RecordTooLargeError(`the broker refused the records as too large (${(err as Error).message})`, undefined, maxRecordBytes);
      throw err;
    }
    return sent.map((m) => ({ partition: m.partition, offset: m.baseOffset ?? m.offset ?? '-1' }));
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

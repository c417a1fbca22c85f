import { Partitioners, type Kafka, type Producer, type RecordMetadata } from 'kafkajs';
import type { AnyEvent } from '../../events/index.ts';
import { withinDeadline } from './deadline.ts';
import { toRecord } from './record.ts';


export interface Position {
  partition: number;
  offset: string;
}

/** The narrow door through which every state change enters the engine. */
export interface EventLog {
  /** Resolves once every event is acknowledged by all in-sync replicas (order kept per key); one position per partition written, at its first offset. */
  append(events: readonly AnyEvent[]): Promise<Position[]>;
  close(): Promise<void>;
}

export interface KafkaEventLogOptions {
  kafka: Kafka;
  topic: string;
  publishTimeoutMs: number;
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

  async function append(events: readonly AnyEvent[]): Promise<Position[]> {
    if (events.length === 0) return [];
    const sent: RecordMetadata[] = await withinDeadline(
      producer.send({ topic: options.topic, acks: -1, messages: events.map(toRecord) }),
      options.publishTimeoutMs,
      { timeout: 'Kafka did not acknowledge', failed: 'Kafka refused the append' },
    );
    return sent.map((m) => ({ partition: m.partition, offset: m.baseOffset ?? m.offset ?? '-1' }));
  }

  return {
    append,
    close: () => producer.disconnect(),
  };
}

export { LogUnavailableError } from './deadline.ts';

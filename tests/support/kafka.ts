import { nanoid } from 'nanoid';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { lazyEventLog } from './lazy-event-log.ts';
import { openKafkaEventLog, type EventLog } from '../../src/log/event-log.ts';
import { ensureTopics } from '../../src/log/topics.ts';
import { createLogger } from '../../src/observability/logger.ts';

export const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const testLogger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'test' });

export function testKafka(brokerList: string[] = brokers): Kafka {
  return new Kafka({
    clientId: `test-${nanoid(6)}`,
    brokers: brokerList,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 200, maxRetryTime: 2000, retries: 15 },
  });
}

/** A fresh, randomly named topic set per test, deleted by the returned cleanup. */
export async function freshTopics(kafka: Kafka, partitions = 3) {
  const id = nanoid(8).replace(/[^A-Za-z0-9]/g, 'x');
  const names = { events: `test.${id}.events`, deadLetter: `test.${id}.dlq`, rejectedInput: `test.${id}.rejected` };
  const admin: Admin = kafka.admin();
  await admin.connect();
  await ensureTopics(
    admin,
    Object.values(names).map((topic) => ({ topic, partitions, replicationFactor: 1 })),
  );
  return {
    names,
    admin,
    cleanup: async () => {
      await admin.deleteTopics({ topics: Object.values(names) }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/**
 * A real event log whose broker does not answer (nothing listens on port 1): appends fail the way
 * they do when Kafka is down, through the real producer, not a stand-in.
 */
export function unreachableEventLog(topic: string): EventLog {
  const unreachable = new Kafka({ clientId: `test-down-${nanoid(4)}`, brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING, connectionTimeout: 300, retry: { retries: 0 } });
  return lazyEventLog(() => openKafkaEventLog({ kafka: unreachable, topic, publishTimeoutMs: 1000 }), 1500);
}

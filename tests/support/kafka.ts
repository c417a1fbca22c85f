import { nanoid } from 'nanoid';
import { type Admin, Kafka, logLevel } from 'kafkajs';
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

import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Config } from '../config/schema.ts';
import { lagByPartition } from './group-lag.ts';

/**
 * A role's own view of Kafka for readiness and metrics: does a broker answer a metadata request,
 * and how far behind is a consumer group. A client of its own that never retries and gives up
 * within seconds, so a probe during an outage fails fast instead of piling up retries behind the
 * role's clients (which ride outages out on purpose, src/log/kafka.ts).
 */
export interface KafkaProbe {
  /** Resolves when a broker answers a metadata request; throws saying why not. */
  answers(): Promise<void>;
  /** Per partition of `topic`, the records `groupId` has not committed yet. */
  lag(groupId: string, topic: string): Promise<Array<{ partition: number; lag: number }>>;
  close(): Promise<void>;
}

export function openKafkaProbe(config: Config['kafka']): KafkaProbe {
  const kafka = new Kafka({
    clientId: `${config.clientId}-probe`,
    brokers: config.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  });
  let admin: Promise<Admin> | null = null;
  let closed = false;

  /** One admin connection, opened on first use; dropped after any failure, so the next use connects afresh. */
  async function use<T>(ask: (admin: Admin) => Promise<T>): Promise<T> {
    if (closed) throw new Error('the Kafka probe is closed');
    const current = (admin ??= (async () => {
      const a = kafka.admin();
      await a.connect();
      return a;
    })());
    try {
      return await ask(await current);
    } catch (err) {
      if (admin === current) admin = null;
      void current.then((a) => a.disconnect()).catch(() => undefined);
      throw err;
    }
  }

  return {
    answers: async () => {
      const cluster = await use((a) => a.describeCluster());
      if (cluster.brokers.length === 0) throw new Error('Kafka answered with no broker');
    },
    lag: async (groupId, topic) => (await use((a) => lagByPartition(a, groupId, topic))).map((p) => ({ partition: p.partition, lag: Number(p.lag) })),
    close: async () => {
      closed = true;
      await admin?.then((a) => a.disconnect()).catch(() => undefined);
      admin = null;
    },
  };
}

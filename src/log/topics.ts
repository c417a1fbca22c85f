import type { Admin } from 'kafkajs';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';
import { createKafka } from './kafka.ts';

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
}

/** A topic exists with another partition count than configured: keys would map elsewhere. */
export class TopicMismatchError extends Error {
  override name = 'TopicMismatchError';
}

/**
 * Creates the topics that are missing. An existing topic with another partition count is refused,
 * not altered: adding partitions moves customers to other partitions and breaks per-customer order.
 */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions,
        replicationFactor: s.replicationFactor,
        configEntries: [{ name: 'min.insync.replicas', value: String(Math.min(2, s.replicationFactor)) }],
      })),
    });
  }
  const present = specs.filter((s) => existing.has(s.topic));
  if (present.length === 0) return;
  const metadata = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
  for (const spec of present) {
    const found = metadata.topics.find((t) => t.name === spec.topic)?.partitions.length ?? 0;
    if (found !== spec.partitions) {
      throw new TopicMismatchError(
        `topic ${spec.topic} has ${found} partitions but kafka.partitions is ${spec.partitions}; ` +
          'set kafka.partitions to match (repartitioning would reorder customers’ events)',
      );
    }
  }
}

/** Creates the engine's configured topics (every role that reads or writes the log calls this first). */
export async function provisionTopics(config: Config, logger: Logger): Promise<void> {
  const admin = createKafka(config.kafka, logger).admin();
  await admin.connect();
  try {
    const { partitions, replicationFactor, topics } = config.kafka;
    await ensureTopics(admin, Object.values(topics).map((topic) => ({ topic, partitions, replicationFactor })));
  } finally {
    await admin.disconnect();
  }
}

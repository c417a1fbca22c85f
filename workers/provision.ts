import { createKafka } from '../src/log/kafka.ts';
import { ensureTopics } from '../src/log/topics.ts';
import type { Role } from './roles.ts';

/** One-shot role: creates the engine's topics as configured, then exits. */
export const provision: Role = async ({ config, logger }) => {
  const admin = createKafka(config.kafka, logger).admin();
  await admin.connect();
  try {
    const { partitions, replicationFactor, topics } = config.kafka;
    await ensureTopics(
      admin,
      Object.values(topics).map((topic) => ({ topic, partitions, replicationFactor })),
    );
    logger.info({ topics: Object.values(topics), partitions }, 'topics ready');
  } finally {
    await admin.disconnect();
  }
  return { done: Promise.resolve(), stop: async () => undefined };
};

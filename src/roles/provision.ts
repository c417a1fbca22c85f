import { provisionTopics } from '../log/topics.ts';
import type { Role } from './role.ts';

/** One-shot role: creates the engine's topics as configured, then exits. */
export const provision: Role = async ({ config, logger }) => {
  await provisionTopics(config, logger);
  logger.info({ topics: Object.values(config.kafka.topics), partitions: config.kafka.partitions }, 'topics ready');
  return { done: Promise.resolve(), stop: async () => undefined };
};

import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Config } from '../../src/config/schema.ts';
import { controlKeys } from '../../src/projections/keys.ts';
import { queuePrefix } from '../../src/queues/names.ts';
import { dropNamespace } from './namespace.ts';

/** Removes BullMQ queues (every job, every state, the queue's meta keys), with the engine's key prefix. */
export async function obliterateQueues(redis: Redis, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const queue = new Queue(name, { connection: redis, prefix: queuePrefix(name) });
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
  }
}

/** Deletes a test's topics and consumer groups; missing ones are no error. */
export async function deleteKafkaResources(kafka: Kafka, resources: { topics: readonly string[]; groups?: readonly string[] }): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (resources.groups?.length) await admin.deleteGroups([...resources.groups]).catch(() => undefined);
    if (resources.topics.length) await admin.deleteTopics({ topics: [...resources.topics] }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Everything one test deployment (a `testConfig()`) left in Redis and Kafka: its projection
 * namespaces, its control keys, its fold and workflow queues, its topics and consumer groups.
 */
export async function tearDownDeployment(
  config: Config,
  redis: Redis,
  kafka: Kafka,
  extra: { namespaces?: readonly string[]; groups?: readonly string[] } = {},
): Promise<void> {
  for (const ns of new Set([config.fold.namespace, ...(extra.namespaces ?? [])])) await dropNamespace(redis, ns);
  const control = controlKeys(config.instance);
  await redis.del(control.activeNamespace, control.liveFold);
  await obliterateQueues(redis, [config.fold.queue, config.fold.workflowQueue]);
  await deleteKafkaResources(kafka, {
    topics: Object.values(config.kafka.topics),
    groups: [config.fold.consumerGroup, ...(extra.groups ?? [])],
  });
}

import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Config } from '../../../src/config/schema.ts';
import { obliterateQueues, tearDownDeployment } from '../../support/teardown.ts';

/** Key prefixes the channel doors and the outbound role write per deployment (`<prefix>{<instance>:<tenant>}:…`). */
const INSTANCE_KEY_PREFIXES = ['cs:id:', 'cs:in:', 'cs:out:', 'cs:out:thread:', 'cs:chat:'] as const;

export async function unlinkMatching(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}

/**
 * Everything a whole engine (role `all`) of a `testConfig()` deployment leaves behind: what
 * `tearDownDeployment` removes (projections, control keys, fold and workflow queues, topics, the
 * fold group), plus the outbound queue and consumer group, any extra groups (a test's own
 * readers), and the identity, ingest-claim, delivery-state, thread and chat keys of the instance.
 */
export async function tearDownEngine(config: Config, redis: Redis, kafka: Kafka, extraGroups: readonly string[] = []): Promise<void> {
  await obliterateQueues(redis, [config.outbound.queue]);
  await tearDownDeployment(config, redis, kafka, { groups: [config.outbound.consumerGroup, ...extraGroups] });
  for (const prefix of INSTANCE_KEY_PREFIXES) await unlinkMatching(redis, `${prefix}{${config.instance}:*`);
}

/** Keys anywhere in Redis that still name the deployment's instance, fold namespace or queues (for a leak check). */
export async function leftoverKeys(redis: Redis, config: Config): Promise<string[]> {
  const found = new Set<string>();
  const patterns = [
    `*${config.instance}*`,
    `*:${config.fold.namespace}:*`,
    `*${config.fold.queue}*`,
    `*${config.fold.workflowQueue}*`,
    `*${config.outbound.queue}*`,
  ];
  for (const pattern of patterns) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) found.add(key);
    } while (cursor !== '0');
  }
  return [...found].sort();
}

import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Config } from '../../../src/config/schema.ts';
import { mediaQueueName } from '../../../src/roles/outbound.ts';
import { obliterateQueues, tearDownDeployment } from '../../support/teardown.ts';

/**
 * The keys the channel doors and the outbound role write per deployment all carry the instance's
 * hash tag: identities `cs:id:{<instance>:<tenant>}:…`, ingest claims `cs:in:{…}`, delivery state
 * `cs:out:{…}`, threads `cs:out:thread:{…}`, chat `cs:chat:{…}`. One SCAN pass finds them all.
 */
const instanceKeys = (instance: string) => `cs:*{${instance}:*`;

/** SCAN in large pages: a shared Redis may hold hundreds of thousands of other keys. */
const SCAN_PAGE = 10_000;

export async function unlinkMatching(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_PAGE);
    cursor = next;
    if (keys.length) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}

/**
 * Everything a whole engine (role `all`) of a `testConfig()` deployment leaves behind: what
 * `tearDownDeployment` removes (projections, control keys, fold and workflow queues, topics, the
 * fold group), plus the outbound and media-fetch queues and consumer group, any extra groups (a test's own
 * readers), and the identity, ingest-claim, delivery-state, thread and chat keys of the instance.
 */
export async function tearDownEngine(config: Config, redis: Redis, kafka: Kafka, extraGroups: readonly string[] = []): Promise<void> {
  await obliterateQueues(redis, [config.outbound.queue, mediaQueueName(config.outbound.queue)]);
  await tearDownDeployment(config, redis, kafka, { groups: [config.outbound.consumerGroup, ...extraGroups] });
  await unlinkMatching(redis, instanceKeys(config.instance));
  // The routing drain's keys are tagged by the instance alone (`cs:wf:{<instance>}:…`): locks, drain-again flags, hand-off summaries.
  await unlinkMatching(redis, `cs:wf:{${config.instance}}:*`);
  // The consoles' change feed (`cs:live:{<instance>}:<tenant>`) and people, sessions and keys (`cs:acct:{<instance>}:…`).
  await unlinkMatching(redis, `cs:live:{${config.instance}}:*`);
  await unlinkMatching(redis, `cs:acct:{${config.instance}}:*`);
}

/**
 * Keys anywhere in Redis that still carry the deployment's id (for a leak check). `testConfig()`
 * names everything after one random id: instance `test-<id>`, namespace `t-<id>`, queues
 * `fold-<id>`, `workflow-<id>`, `outbound-<id>`.
 */
export async function leftoverKeys(redis: Redis, config: Config): Promise<string[]> {
  const id = config.instance.replace(/^test-/, '');
  const names = [config.instance, config.fold.namespace, config.fold.queue, config.fold.workflowQueue, config.outbound.queue];
  if (!names.every((name) => name.includes(id))) throw new Error(`not a testConfig() deployment: ${names.join(', ')} do not share the id ${id}`);
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${id}*`, 'COUNT', SCAN_PAGE);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return [...new Set(found)].sort();
}

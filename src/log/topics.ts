import type { Admin, ConfigResourceTypes } from 'kafkajs';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';
import { createKafka } from './kafka.ts';

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
  /** Records older than this are deleted (absent: the broker's default, which the engine's stack sets to forever). */
  retentionMs?: number;
}

/** `ConfigResourceTypes.TOPIC`: kafkajs is CommonJS and Node's ESM loader does not see that export by name. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

const topicConfig = (s: TopicSpec) => [
  { name: 'min.insync.replicas', value: String(Math.min(2, s.replicationFactor)) },
  ...(s.retentionMs === undefined ? [] : [{ name: 'retention.ms', value: String(s.retentionMs) }]),
];

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
        configEntries: topicConfig(s),
      })),
    });
  }
  const present = specs.filter((s) => existing.has(s.topic));
  if (present.length === 0) return;
  await applyRetention(admin, present.filter((s) => s.retentionMs !== undefined));
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

/**
 * A topic made before its retention was configured (or with another) gets the configured one. The
 * non-incremental AlterConfigs replaces every topic setting, so all of the engine's are sent.
 */
async function applyRetention(admin: Admin, specs: TopicSpec[]): Promise<void> {
  if (specs.length === 0) return;
  const described = await admin.describeConfigs({ includeSynonyms: false, resources: specs.map((s) => ({ type: TOPIC_RESOURCE, name: s.topic, configNames: ['retention.ms'] })) });
  const differing = specs.filter((s) => described.resources.find((r) => r.resourceName === s.topic)?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue !== String(s.retentionMs));
  if (differing.length === 0) return;
  await admin.alterConfigs({ validateOnly: false, resources: differing.map((s) => ({ type: TOPIC_RESOURCE, name: s.topic, configEntries: topicConfig(s) })) });
}

/** Creates the engine's configured topics (every role that reads or writes the log calls this first). */
export async function provisionTopics(config: Config, logger: Logger): Promise<void> {
  const admin = createKafka(config.kafka, logger).admin();
  await admin.connect();
  try {
    const { partitions, replicationFactor, topics, rejectedRetentionMs } = config.kafka;
    await ensureTopics(admin, [
      { topic: topics.events, partitions, replicationFactor },
      { topic: topics.deadLetter, partitions, replicationFactor },
      { topic: topics.rejectedInput, partitions, replicationFactor, retentionMs: rejectedRetentionMs },
    ]);
  } finally {
    await admin.disconnect();
  }
}

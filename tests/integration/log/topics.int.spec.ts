import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { ensureTopics, provisionTopics } from '../../../src/log/topics.ts';
import { eventually } from '../../support/collect.ts';
import { testConfig } from '../../support/engine.ts';
import { testLogger } from '../../support/kafka.ts';
import { deleteKafkaResources } from '../../support/teardown.ts';

/**
 * The topics a deployment provisions: the events topic keeps what the broker keeps (forever, in the
 * engine's stack: personal data there is sealed), the rejected-input topic, which holds refused
 * provider bodies in plaintext, only `kafka.rejectedRetentionMs`, also when it was made before.
 */
const config: Config = testConfig();
let admin: Admin;

beforeAll(async () => {
  admin = createKafka(config.kafka, testLogger).admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await deleteKafkaResources(createKafka(config.kafka, testLogger), { topics: Object.values(config.kafka.topics) });
});

async function topicSettings(topic: string): Promise<Record<string, string>> {
  const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['retention.ms', 'min.insync.replicas'] }] });
  const entries = described.resources[0]!.configEntries.filter((e) => !e.isDefault);
  return Object.fromEntries(entries.map((e) => [e.configName, e.configValue]));
}

describe('provisioning the topics', () => {
  it('given a rejected-input topic made without a retention, when the deployment provisions its topics, then refused bodies are kept only for the configured time, and the events topic as the broker keeps them', async () => {
    const { partitions, replicationFactor, topics } = config.kafka;
    await ensureTopics(admin, [{ topic: topics.rejectedInput, partitions, replicationFactor }]);
    expect((await topicSettings(topics.rejectedInput))['retention.ms']).toBeUndefined();

    await provisionTopics({ ...config, kafka: { ...config.kafka, rejectedRetentionMs: 3 * 86_400_000 } }, testLogger);
    // A broker applies a topic's new settings from the metadata log a moment after the controller took them.
    await eventually('the retention applied', async () => (await topicSettings(topics.rejectedInput))['retention.ms'] === String(3 * 86_400_000));
    expect(await topicSettings(topics.rejectedInput)).toEqual({ 'retention.ms': String(3 * 86_400_000), 'min.insync.replicas': '1' });
    expect((await topicSettings(topics.events))['retention.ms']).toBeUndefined();

    // Provisioned again with another retention (every role does at start): the new one.
    await provisionTopics({ ...config, kafka: { ...config.kafka, rejectedRetentionMs: 86_400_000 } }, testLogger);
    await eventually('the new retention applied', async () => (await topicSettings(topics.rejectedInput))['retention.ms'] === String(86_400_000));
  }, 60_000);
});

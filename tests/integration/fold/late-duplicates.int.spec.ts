import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { foldPolicies } from '../../../src/config/policies.ts';
import { DEDUPE_WINDOW } from '../../../src/domain/fold/policy.ts';
import type { Conversation } from '../../../src/domain/state.ts';
import { rebuildProjections } from '../../../src/fold/rebuild.ts';
import { openKafkaEventLog } from '../../../src/log/event-log.ts';
import { waitForGroupCaughtUp } from '../../../src/log/group-lag.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { ProjectionStore } from '../../../src/projections/store.ts';
import { replayTopic } from '../../../src/replay/run.ts';
import { startBridgeRole } from '../../../src/roles/fold-bridge.ts';
import { startFoldWorkerRole } from '../../../src/roles/fold-worker.ts';
import { testConfig } from '../../support/engine.ts';
import { agentReplied, customerWrote } from '../../support/events.ts';
import { testLogger } from '../../support/kafka.ts';
import { diffDumps } from '../../support/namespace.ts';
import { dumpNamespacePipelined } from '../../support/namespace-dump.ts';
import { tearDownDeployment } from '../../support/teardown.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('a duplicate far beyond the fold state window', () => {
  it(`given a message and ${DEDUPE_WINDOW * 2} later events on Kafka, when a publisher re-sends the message, then the live fold, a rebuild and the replay each fold it once`, async () => {
    const config = testConfig({ partitions: 1 });
    const rebuiltNs = `${config.fold.namespace}-rebuilt`;
    const kafka = createKafka(config.kafka, testLogger);
    const redis = new Redis(config.redis.url);
    cleanups.push(async () => {
      await tearDownDeployment(config, redis, kafka, { namespaces: [rebuiltNs], groups: [`${config.fold.consumerGroup}@${rebuiltNs}`] });
      redis.disconnect();
    });
    const bridge = await startBridgeRole(config, testLogger);
    cleanups.push(() => bridge.close());
    const worker = startFoldWorkerRole(config, testLogger);
    cleanups.push(() => worker.close());
    const log = await openKafkaEventLog({ kafka, topic: config.kafka.topics.events, publishTimeoutMs: 10_000 });
    cleanups.push(() => log.close());

    const original = customerWrote('acme', 'c-late', 'My parcel never came');
    const conversation = `cv_${original.id}`;
    const replies = Array.from({ length: DEDUPE_WINDOW * 2 }, (_, i) => agentReplied('acme', 'c-late', `update ${i}`, { conversation, agent: 'agent-7' }));
    // Separate appends: the re-send lands in a later fold job than its original, as a late re-send would.
    await log.append([original]);
    await log.append(replies);
    await waitForGroupCaughtUp(kafka, config.fold.consumerGroup, config.kafka.topics.events, 60_000);
    await log.append([original]);
    await waitForGroupCaughtUp(kafka, config.fold.consumerGroup, config.kafka.topics.events, 60_000);

    const store = new ProjectionStore(redis, config.fold.namespace);
    const stored = JSON.parse((await redis.get(store.keys.conversation('acme', 'c-late', conversation)))!) as Conversation;
    expect(stored.messageCount).toBe(1 + replies.length);
    const transcript = await redis.lrange(store.keys.transcript('acme', 'c-late', conversation), 0, -1);
    expect(transcript.filter((line) => line.includes('My parcel never came'))).toHaveLength(1);
    expect(await redis.zscore(store.keys.appliedIds('acme', 'c-late'), original.id)).toBe(String(Date.parse(original.time)));

    const rebuilt = await rebuildProjections({ config: { ...config, fold: { ...config.fold, cacheCustomers: 0 } }, kafka, redis, logger: testLogger, namespace: rebuiltNs, switchReads: false });
    expect(rebuilt.events).toBe(replies.length + 2);
    expect(diffDumps(await dumpNamespacePipelined(redis, config.fold.namespace), await dumpNamespacePipelined(redis, rebuiltNs))).toEqual([]);

    const { stats } = await replayTopic(kafka, config.kafka.topics.events, { policies: foldPolicies(config.tenants) });
    expect(stats).toMatchObject({ read: replies.length + 2, folded: replies.length + 1, duplicates: 1 });
  }, 120_000);
});

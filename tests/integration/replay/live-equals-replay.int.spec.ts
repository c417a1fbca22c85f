import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { foldPolicies } from '../../../src/config/policies.ts';
import { startBridgeRole } from '../../../src/roles/fold-bridge.ts';
import { startFoldWorker } from '../../../src/fold/worker.ts';
import { openKafkaEventLog } from '../../../src/log/event-log.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { serializeFold } from '../../../src/projections/store.ts';
import { redisConnection } from '../../../src/queues/connection.ts';
import { exportTopic } from '../../../src/replay/export.ts';
import { createRedactor } from '../../../src/replay/redact.ts';
import { liveReport, replayFile } from '../../../src/replay/run.ts';
import { generateStream } from '../../../scripts/sim/stream.ts';
import { testConfig } from '../../support/engine.ts';
import { testLogger } from '../../support/kafka.ts';
import { dumpNamespacePipelined } from '../../support/namespace-dump.ts';
import { tearDownDeployment } from '../../support/teardown.ts';
import { waitForGroupCaughtUp } from '../../support/workers.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const EVENTS = 20_000;
const root = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);

describe('replay equals live', () => {
  it('given traffic folded live, when the topic is exported and replayed, then KPIs and projections are identical', async () => {
    const config = testConfig({ partitions: 3 });
    const kafka = createKafka(config.kafka, testLogger);
    const redis = new Redis(config.redis.url);
    cleanups.push(async () => {
      await tearDownDeployment(config, redis, kafka);
      redis.disconnect();
    });
    const policies = foldPolicies(config.tenants);
    // Half the outbound messages get delivery reports (some overtaking our own `sent`): the
    // delivery record in the fold state is compared with the rest.
    const stream = [...generateStream({ events: EVENTS, customers: 1500, seed: 606, policy: policies('acme'), deliveryShare: 0.5 })];

    // The live fold: bridge and fold worker, as deployed (in this process).
    const bridge = await startBridgeRole(config, testLogger, { triggers: false });
    cleanups.push(() => bridge.close());
    const worker = startFoldWorker({
      connection: redisConnection(config.redis.url, 'test-fold-w'),
      redis: redisConnection(config.redis.url, 'test-fold'),
      queues: { fold: config.fold.queue, workflow: config.fold.workflowQueue },
      policies,
      concurrency: 3,
      lockDurationMs: 30_000,
      stalledIntervalMs: 15_000,
      logger: testLogger,
    });
    cleanups.push(() => worker.close());
    const log = await openKafkaEventLog({ kafka, topic: config.kafka.topics.events, publishTimeoutMs: 30_000 });
    for (let i = 0; i < stream.length; i += 5000) await log.append(stream.slice(i, i + 5000));
    await log.close();
    await waitForGroupCaughtUp(kafka, config.fold.consumerGroup, config.kafka.topics.events, 60_000);

    const dir = mkdtempSync(join(tmpdir(), 'cs-replay-'));
    const file = join(dir, 'events.ndjson.gz');
    const exported = await exportTopic({ kafka, topic: config.kafka.topics.events, out: file });
    expect(exported).toMatchObject({ records: EVENTS, written: EVENTS, rejected: 0 });

    const kpi = { groupBy: ['tenant', 'channel', 'agent', 'category', 'week'] as Array<'tenant' | 'channel' | 'agent' | 'category' | 'week'> };
    const replayedConversations = new Map<string, string>();
    const replayedFolds = new Map<string, string>();
    const replay = await replayFile(file, {
      policies,
      kpi,
      onConversation: (c) => replayedConversations.set(`{${c.tenant}/${c.customer}}:conv:${c.id}`, JSON.stringify(c)),
      onCustomer: (fold) => replayedFolds.set(`{${fold.tenant}/${fold.customerId}}:fold`, serializeFold(fold)),
    });
    const live = await liveReport(redis, config.fold.namespace, kpi);

    // Identical KPIs, group for group.
    expect(replay.stats).toMatchObject({ read: EVENTS, rejected: 0, lateEvents: 0 });
    expect(live.report.total.conversations).toBeGreaterThan(1000);
    expect(replay.report).toEqual(live.report);

    // Identical projections: every conversation record and customer fold state, byte for byte.
    const dump = await dumpNamespacePipelined(redis, config.fold.namespace);
    const liveConversations = new Map([...dump].filter(([key]) => key.includes(':conv:')));
    const liveFolds = new Map([...dump].filter(([key]) => key.endsWith(':fold')).map(([key, hash]) => [key, Object.fromEntries(JSON.parse(hash) as Array<[string, string]>).state!]));
    expect(replayedConversations.size).toBe(liveConversations.size);
    expect([...replayedConversations].filter(([key, value]) => liveConversations.get(key) !== value).map(([key]) => key)).toEqual([]);
    expect(replayedFolds.size).toBe(liveFolds.size);
    expect([...replayedFolds].filter(([key, value]) => liveFolds.get(key) !== value).map(([key]) => key)).toEqual([]);
    // The delivery records (in the fold states) were compared too: delivered messages among them.
    expect([...liveFolds.values()].filter((state) => state.includes('"status":"delivered"')).length).toBeGreaterThan(100);

    // `cs conversation` finds a conversation's customer through the live projections and folds the
    // customer's events from the topic: the view equals the one folded from the export.
    const resolvedOne = [...replayedConversations.values()].map((json) => JSON.parse(json) as { id: string; resolvedAt: string | null; messageCount: number }).find((c) => c.resolvedAt !== null && c.messageCount > 2)!;
    const csConversation = async (...source: string[]) =>
      JSON.parse(
        (
          await run(process.execPath, [join(root, 'bin/cs.js'), 'conversation', resolvedOne.id, '--as-of', resolvedOne.resolvedAt!, ...source], {
            cwd: root,
            env: { ...process.env, LOG_LEVEL: 'silent', CS_FROM_SOURCES: '1', CS_INSTANCE: config.instance, FOLD_NAMESPACE: config.fold.namespace },
            maxBuffer: 64 * 1024 * 1024,
          })
        ).stdout,
      ) as { conversation: { id: string; status: string }; transcript: unknown[] };
    const fromKafka = await csConversation('--topic', config.kafka.topics.events);
    expect(fromKafka.conversation).toMatchObject({ id: resolvedOne.id, status: 'resolved' });
    expect(fromKafka.transcript.length).toBeGreaterThan(1);
    expect(fromKafka).toEqual(await csConversation('--file', file));

    // A redacted export replays to the same KPIs.
    const redactedFile = join(dir, 'redacted.ndjson');
    await exportTopic({ kafka, topic: config.kafka.topics.events, out: redactedFile, redact: createRedactor() });
    expect((await replayFile(redactedFile, { policies, kpi })).report).toEqual(live.report);
  }, 120_000);
});

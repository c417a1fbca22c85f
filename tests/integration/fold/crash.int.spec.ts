import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../events/index.ts';
import { startBridgeRole } from '../../../src/roles/fold-bridge.ts';
import { rebuildProjections } from '../../../src/fold/rebuild.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { openKafkaEventLog } from '../../../src/log/event-log.ts';
import { queuePrefix } from '../../../src/queues/names.ts';
import { generateStream } from '../../../scripts/sim/stream.ts';
import { eventually } from '../../support/collect.ts';
import { testConfig } from '../../support/engine.ts';
import { foldPolicies } from '../../../src/config/policies.ts';
import { testLogger } from '../../support/kafka.ts';
import { diffDumps, dropNamespace, dumpNamespace } from '../../support/namespace.ts';
import { exited, spawnRole, waitForGroupCaughtUp, writeConfigDir } from '../../support/workers.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('a fold worker killed in the middle of a batch', () => {
  it('when restarted, leaves projections byte-equal to a clean rebuild, with no message twice', async () => {
    const config = testConfig({ partitions: 3 });
    config.fold.maxJobEvents = 2000;
    const configDir = writeConfigDir(config);
    const kafka = createKafka(config.kafka, testLogger);
    const redis = new Redis(config.redis.url);
    cleanups.push(async () => {
      await dropNamespace(redis, config.fold.namespace);
      await dropNamespace(redis, `${config.fold.namespace}-rebuilt`);
      for (const name of [config.fold.queue, config.fold.workflowQueue]) {
        const q = new Queue(name, { connection: redis, prefix: queuePrefix(name) });
        await q.obliterate({ force: true });
        await q.close();
      }
      redis.disconnect();
    });

    const bridge = await startBridgeRole(config, testLogger);
    cleanups.push(() => bridge.close());
    let worker = spawnRole('fold-worker', configDir);
    cleanups.push(async () => {
      worker.kill('SIGKILL');
      await exited(worker);
    });

    const log = await openKafkaEventLog({ kafka, topic: config.kafka.topics.events, publishTimeoutMs: 20_000 });
    cleanups.push(() => log.close());
    const stream = [...generateStream({ events: 40_000, customers: 3000, seed: 7, policy: foldPolicies(config.tenants)('acme') })];
    for (let i = 0; i < stream.length; i += 2000) await log.append(stream.slice(i, i + 2000));

    // Kill the worker while it holds a fold job, then start a new one.
    const foldQueue = new Queue(config.fold.queue, { connection: redis, prefix: queuePrefix(config.fold.queue) });
    cleanups.push(() => foldQueue.close());
    await eventually('a fold job in progress', async () => (await foldQueue.getActiveCount()) > 0, 60_000);
    worker.kill('SIGKILL');
    await exited(worker);
    worker = spawnRole('fold-worker', configDir);

    await waitForGroupCaughtUp(kafka, config.fold.consumerGroup, config.kafka.topics.events, 180_000);

    const rebuilt = await rebuildProjections({ config, kafka, redis, logger: testLogger, namespace: `${config.fold.namespace}-rebuilt`, switchReads: false });
    expect(rebuilt.events).toBe(stream.length);

    const live = await dumpNamespace(redis, config.fold.namespace);
    const clean = await dumpNamespace(redis, `${config.fold.namespace}-rebuilt`);
    expect(diffDumps(live, clean)).toEqual([]);
    expect(live.size).toBeGreaterThan(3000);

    let transcripts = 0;
    for (const [key, value] of live) {
      if (!key.includes(':transcript:')) continue;
      transcripts++;
      const ids = (JSON.parse(value) as string[]).map((line) => (JSON.parse(line) as { eventId: string }).eventId);
      expect(new Set(ids).size, `duplicate message in ${key}`).toBe(ids.length);
    }
    expect(transcripts).toBeGreaterThan(1000);
    const unique = new Set(stream.map((e: AnyEvent) => e.id)).size;
    expect(unique).toBeLessThan(stream.length); // the stream does carry provider retries
  }, 300_000);
});

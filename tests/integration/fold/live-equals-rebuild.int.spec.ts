import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startBridgeRole } from '../../../src/roles/fold-bridge.ts';
import { rebuildProjections } from '../../../src/fold/rebuild.ts';
import { openKafkaEventLog } from '../../../src/log/event-log.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { generateStream } from '../../../scripts/sim/stream.ts';
import { testConfig } from '../../support/engine.ts';
import { foldPolicies } from '../../../src/config/policies.ts';
import { testLogger } from '../../support/kafka.ts';
import { diffDumps } from '../../support/namespace.ts';
import { dumpNamespacePipelined } from '../../support/namespace-dump.ts';
import { tearDownDeployment } from '../../support/teardown.ts';
import { exited, spawnRole, waitForGroupCaughtUp, writeConfigDir } from '../../support/workers.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const EVENTS = 100_000;
const CHUNK = 5000;
/**
 * The pool generateStream draws customers from. Sessions (2-13 events each) pick customers at
 * random, so 100k events meet only part of the pool: a pool of 10,000 ids gives about 9,500
 * tenant/customer pairs; 20,000 gives about 11,000, which is what "at least 10,000 customers" needs.
 */
const CUSTOMER_POOL = 20_000;

describe('the live fold of realistic traffic', () => {
  it('leaves projections byte-equal to a rebuild of the same log', async () => {
    const t0 = Date.now();
    const timings: Record<string, number> = {};
    const lap = (name: string) => (timings[name] = Date.now() - t0);

    const config = testConfig({ partitions: 3 });
    // Live jobs cut the log at other places than the rebuild's whole Kafka batches do.
    config.fold.maxJobEvents = 2500;
    const rebuiltNs = `${config.fold.namespace}-rebuilt`;
    const configDir = writeConfigDir(config);
    const kafka = createKafka(config.kafka, testLogger);
    const redis = new Redis(config.redis.url);
    cleanups.push(async () => {
      await tearDownDeployment(config, redis, kafka, { namespaces: [rebuiltNs], groups: [`${config.fold.consumerGroup}@${rebuiltNs}`] });
      redis.disconnect();
    });

    // A tenth of the outbound messages get delivery reports (about 6,000 events; more would leave
    // fewer than 10,000 customers in the 100k events).
    const stream = [...generateStream({ events: EVENTS, customers: CUSTOMER_POOL, seed: 2026, policy: foldPolicies(config.tenants)('acme'), deliveryShare: 0.1 })];
    const customers = new Set(stream.map((e) => `${e.tenant}/${e.customer}`));
    expect(stream).toHaveLength(EVENTS);
    expect(customers.size).toBeGreaterThanOrEqual(10_000);
    lap('generated');

    // The live fold as deployed: the bridge (in this process) and a fold worker process of its own.
    const bridge = await startBridgeRole(config, testLogger);
    cleanups.push(() => bridge.close());
    const worker = spawnRole('fold-worker', configDir);
    cleanups.push(async () => {
      worker.kill('SIGTERM');
      await exited(worker);
    });

    const log = await openKafkaEventLog({ kafka, topic: config.kafka.topics.events, publishTimeoutMs: 30_000 });
    cleanups.push(() => log.close());
    for (let i = 0; i < stream.length; i += CHUNK) await log.append(stream.slice(i, i + CHUNK));
    lap('published');

    await waitForGroupCaughtUp(kafka, config.fold.consumerGroup, config.kafka.topics.events, 200_000);
    lap('live caught up');

    // The live worker folds from the states it keeps in memory; the rebuild reads every batch's
    // states back from Redis (no cache), so the comparison covers the cache too.
    const uncached = { ...config, fold: { ...config.fold, cacheCustomers: 0 } };
    const rebuilt = await rebuildProjections({ config: uncached, kafka, redis, logger: testLogger, namespace: rebuiltNs, switchReads: false });
    expect(rebuilt).toMatchObject({ namespace: rebuiltNs, events: EVENTS, switched: false });
    lap('rebuilt');

    // dumpNamespace's format, pipelined (its one round trip per key takes a minute here on a busy machine).
    const live = await dumpNamespacePipelined(redis, config.fold.namespace);
    const clean = await dumpNamespacePipelined(redis, rebuiltNs);
    lap('dumped');
    expect(diffDumps(live, clean)).toEqual([]);
    expect(live.size).toBe(clean.size);

    // Sizes: one fold hash per customer of the stream, and their conversations and transcripts.
    const kinds = new Map<string, number>();
    for (const key of live.keys()) {
      const kind = key.endsWith(':fold') ? 'fold' : /:conv:/.test(key) ? 'conversation' : /:transcript:/.test(key) ? 'transcript' : key.split(':')[0]!;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    expect(kinds.get('fold')).toBe(customers.size);
    expect(kinds.get('fold')).toBeGreaterThan(10_000);
    expect(kinds.get('conversation')).toBeGreaterThan(10_000);
    expect(kinds.get('transcript')).toBeGreaterThan(10_000);
    expect(kinds.get('owners')).toBe(2); // one per tenant
    expect(kinds.get('handle')).toBeGreaterThan(10_000);

    // The live assignment was never touched: no switch was asked for.
    expect(bridge.current()).toEqual({ namespace: config.fold.namespace, group: config.fold.consumerGroup });
    console.info(`live-equals-rebuild (${config.instance}): ${live.size} keys; ${JSON.stringify(Object.fromEntries(kinds))}; timings (ms since start): ${JSON.stringify(timings)}`);
  }, 300_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKafkaNode, stopKafkaNode } from '../../../scripts/stack/kafka-node.ts';
import { stackDir } from '../../../scripts/stack/stack.ts';
import type { Config } from '../../../src/config/schema.ts';
import { openKafkaEventLog } from '../../../src/log/event-log.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { provisionTopics } from '../../../src/log/topics.ts';
import { testConfig } from '../../support/engine.ts';
import { foldProbe, groupWatch, RoleProcesses, seconds, steadyLoad } from '../../support/failover.ts';
import { freePort } from '../../support/free-port.ts';
import { testLogger } from '../../support/kafka.ts';
import { tearDownDeployment } from '../../support/teardown.ts';
import { writeConfigDir } from '../../support/workers.ts';

/** Once the broker answers again, the fold runs again on every partition within this. */
const RECOVERY_MS = 15_000;

// A private single-node broker, so restarting it does not disturb the other specs.
const dir = mkdtempSync(join(tmpdir(), 'cs-kafka-failover-'));
let port = 0;
let controllerPort = 0;
const node = () => ({ stackDir, dir, port, controllerPort, heap: '512m' });

beforeAll(async () => {
  port = await freePort();
  controllerPort = await freePort();
  await startKafkaNode(node());
}, 120_000);

afterAll(async () => {
  await stopKafkaNode(dir);
  rmSync(dir, { recursive: true, force: true });
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Stops the private broker and starts it again; the times are for the report. */
async function restartBroker(): Promise<{ stopMs: number; startMs: number; backAt: number }> {
  const stopping = performance.now();
  await stopKafkaNode(dir);
  const starting = performance.now();
  await startKafkaNode(node());
  const backAt = performance.now();
  return { stopMs: starting - stopping, startMs: backAt - starting, backAt };
}

async function deployment() {
  const base = testConfig({ partitions: 6 });
  const config: Config = { ...base, kafka: { ...base.kafka, brokers: [`127.0.0.1:${port}`] } };
  const configDir = writeConfigDir(config);
  const kafka = createKafka(config.kafka, testLogger);
  const redis = new Redis(config.redis.url);
  const roles = new RoleProcesses(configDir);
  cleanups.push(async () => {
    await roles.stopAll();
    await tearDownDeployment(config, redis, kafka);
    redis.disconnect();
    rmSync(configDir, { recursive: true, force: true });
  });
  await provisionTopics(config, testLogger);
  // The load and the probe each write with a producer of their own: the load's appends abandoned
  // while the broker is away must not hold up the probe's after it (one idempotent producer keeps
  // one sequence per partition, and a send abandoned at the deadline is still being retried).
  const open = () => openKafkaEventLog({ kafka, topic: config.kafka.topics.events, publishTimeoutMs: 30_000 });
  const [loadLog, probeLog] = await Promise.all([open(), open()]);
  cleanups.push(() => loadLog.close(), () => probeLog.close());
  const probe = await foldProbe(redis, config.fold.namespace, probeLog, config.kafka.partitions);
  const load = steadyLoad(config, loadLog, { eventsPerSecond: 1000, seconds: 60 });
  cleanups.push(() => load.stop());
  return { roles, probe, group: groupWatch(kafka, config.fold.consumerGroup) };
}

describe('the fold bridge across a broker restart', () => {
  it('folds again on every partition within 15 s of the broker answering again', async () => {
    const { roles, probe } = await deployment();
    roles.start('fold-worker');
    roles.start('fold-bridge');
    await probe.waitFolded(await probe.publish(), 60_000);
    await sleep(2000);

    const { stopMs, startMs, backAt } = await restartBroker();
    const { first, all } = await probe.waitFolded(await probe.publish(), 60_000);
    console.log(
      `[failover] broker restart (stop ${seconds(stopMs)}, start ${seconds(startMs)}) -> the running bridge's first projection change ${seconds(first - backAt)}, every partition ${seconds(all - backAt)} after the broker answered`,
    );
    expect(first - backAt).toBeLessThan(RECOVERY_MS);
  }, 120_000);

  it('has a replacement for a killed bridge folding within 15 s of the broker answering, the restart having renewed the dead member’s session', async () => {
    const { roles, probe, group } = await deployment();
    roles.start('fold-worker');
    const bridge = roles.start('fold-bridge');
    await probe.waitFolded(await probe.publish(), 60_000);
    await sleep(2000);

    // The incident: the bridge is killed, the broker restarts (the coordinator loads the dead
    // member with a fresh session), and the replacement joins a group holding a member long gone.
    const dead = await group.members();
    await roles.kill(bridge);
    const restarted = restartBroker();
    roles.start('fold-bridge');
    const { stopMs, startMs, backAt } = await restarted;
    const handedOver = group.settles((members) => members.length > 0 && !members.some((m) => dead.includes(m)), 60_000).catch(() => Number.NaN);
    const { first, all } = await probe.waitFolded(await probe.publish(), 60_000);
    console.log(
      `[failover] bridge SIGKILL + broker restart (stop ${seconds(stopMs)}, start ${seconds(startMs)}) -> after the broker answered: partitions with the replacement ${seconds((await handedOver) - backAt)}, its first projection change ${seconds(first - backAt)}, every partition ${seconds(all - backAt)}`,
    );
    expect(first - backAt).toBeLessThan(RECOVERY_MS);
  }, 120_000);
});

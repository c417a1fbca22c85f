import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.ts';
import { openKafkaEventLog } from '../../../src/log/event-log.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { provisionTopics } from '../../../src/log/topics.ts';
import { testConfig } from '../../support/engine.ts';
import { foldProbe, groupWatch, RoleProcesses, seconds, steadyLoad } from '../../support/failover.ts';
import { testLogger } from '../../support/kafka.ts';
import { tearDownDeployment } from '../../support/teardown.ts';
import { writeConfigDir } from '../../support/workers.ts';

/** What an operator is promised: a crashed bridge's partitions fold again this soon after the crash. */
const RECOVERY_MS = 15_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A deployment of real role processes on the shared broker, under a steady load, with a fold probe. */
async function deployment(config: Config) {
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
  const log = await openKafkaEventLog({ kafka, topic: config.kafka.topics.events, publishTimeoutMs: 20_000 });
  cleanups.push(() => log.close());
  const probe = await foldProbe(redis, config.fold.namespace, log, config.kafka.partitions, kafka, config.kafka.topics.events);
  cleanups.push(() => probe.close());
  return { roles, log, probe, group: groupWatch(kafka, config.fold.consumerGroup) };
}

describe('the fold bridge killed (SIGKILL) under load', () => {
  it('has a replacement process folding again within 15 s of the kill', async () => {
    const config = testConfig({ partitions: 6 });
    const { roles, log, probe, group } = await deployment(config);
    roles.start('fold-worker');
    const bridge = roles.start('fold-bridge');
    const load = steadyLoad(config, log, { eventsPerSecond: 1500, seconds: 60 });
    cleanups.push(() => load.stop());

    await probe.waitFolded(await probe.publish(), 60_000);
    await sleep(3000); // folding under load for a while: heart-beats, commits, jobs in flight

    const dead = await group.members();
    const killedAt = await roles.kill(bridge);
    roles.start('fold-bridge'); // what a supervisor does: start another at once
    const handedOver = group.settles((members) => members.length > 0 && !members.some((m) => dead.includes(m)), 60_000).catch(() => Number.NaN);
    // Published after the kill, so only the replacement can hand them to the fold.
    const { first, all } = await probe.waitFolded(await probe.publish(), 60_000);
    console.log(
      `[failover] fold bridge SIGKILL -> partitions with the replacement ${seconds((await handedOver) - killedAt)}, its first projection change ${seconds(first - killedAt)}, every partition caught up to the kill ${seconds(all - killedAt)} (${load.published} events under load)`,
    );
    expect(load.failure).toBeUndefined();
    expect(first - killedAt).toBeLessThan(RECOVERY_MS);
  }, 120_000);

  it('has a standby bridge (a second process in the group) fold the dead one’s partitions within 15 s', async () => {
    const config = testConfig({ partitions: 6 });
    const { roles, log, probe, group } = await deployment(config);
    roles.start('fold-worker');
    const first = roles.start('fold-bridge');
    roles.start('fold-bridge');
    const load = steadyLoad(config, log, { eventsPerSecond: 1500, seconds: 60 });
    cleanups.push(() => load.stop());

    // Both bridges in the group, holding 3 of the 6 partitions each, and folding.
    await group.settles((members) => members.length === 2, 60_000);
    await probe.waitFolded(await probe.publish(), 60_000);
    await sleep(3000);

    const both = await group.members();
    const killedAt = await roles.kill(first);
    const handedOver = group.settles((members) => members.length === 1 && both.includes(members[0]!), 60_000).catch(() => Number.NaN);
    const { all } = await probe.waitFolded(await probe.publish(), 60_000);
    console.log(
      `[failover] one of two fold bridges SIGKILLed -> every partition with the survivor ${seconds((await handedOver) - killedAt)}, folding every partition ${seconds(all - killedAt)}`,
    );
    expect(load.failure).toBeUndefined();
    expect(all - killedAt).toBeLessThan(RECOVERY_MS);
  }, 120_000);
});

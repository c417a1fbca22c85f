import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createEvent } from '../../../events/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { openKafkaEventLog, type EventLog } from '../../../src/log/event-log.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { provisionTopics } from '../../../src/log/topics.ts';
import { nextTime } from '../../support/events.ts';
import { RoleProcesses, seconds, steadyLoad } from '../../support/failover.ts';
import { testLogger } from '../../support/kafka.ts';
import { obliterateQueues } from '../../support/teardown.ts';
import { writeConfigDir } from '../../support/workers.ts';
import { outboundConfig, startProviderApis, startSmtpSink, tearDown, TENANT } from './support.ts';

/** What an operator is promised: a crashed outbound role's replies go out again this soon after the crash. */
const RECOVERY_MS = 15_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

let n = 0;
/** An agent's SMS reply on the log; the Twilio stand-in sees its message id as the idempotency token. */
async function reply(log: EventLog): Promise<string> {
  const messageId = `failover-${++n}`;
  const customer = `c-failover-${n}`;
  await log.append([
    createEvent({
      type: 'message.sent',
      source: '/tests',
      tenant: TENANT,
      customer,
      conversation: `cv_${customer}`,
      time: nextTime(),
      data: { channel: 'sms', provider: 'twilio', handle: '+14155550100', author: { kind: 'agent', id: 'agent-7' }, text: `Reply ${n}`, messageId },
    }),
  ]);
  return messageId;
}

describe('the outbound role killed (SIGKILL) under load', () => {
  it('has a replacement process deliver a reply sent after the kill within 15 s of it', async () => {
    const apis = await startProviderApis();
    const smtp = await startSmtpSink();
    const config: Config = outboundConfig({ providerUrl: apis.url, smtpPort: smtp.port });
    const configDir = writeConfigDir(config);
    const roles = new RoleProcesses(configDir);
    cleanups.push(async () => {
      await roles.stopAll();
      const redis = new Redis(config.redis.url);
      await obliterateQueues(redis, [config.outbound.queue]).finally(() => redis.disconnect());
      await tearDown(config, [config.outbound.consumerGroup]);
      await apis.close();
      await smtp.close();
      rmSync(configDir, { recursive: true, force: true });
    });
    await provisionTopics(config, testLogger);
    const log = await openKafkaEventLog({ kafka: createKafka(config.kafka, testLogger), topic: config.kafka.topics.events, publishTimeoutMs: 20_000 });
    cleanups.push(() => log.close());
    const deliveredAt = async (messageId: string, timeoutMs: number): Promise<number> => {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        if (apis.calls.some((c) => c.idempotencyToken === messageId)) return performance.now();
        await sleep(25);
      }
      throw new Error(`reply ${messageId} not delivered within ${timeoutMs} ms`);
    };

    const first = roles.start('outbound');
    // The consumer reads every event of the topic: the load is customers writing in, no replies.
    const load = steadyLoad(config, log, { eventsPerSecond: 1500, seconds: 60, keep: (e) => e.type !== 'message.sent' });
    cleanups.push(() => load.stop());
    await deliveredAt(await reply(log), 60_000);
    await sleep(3000);

    const killedAt = await roles.kill(first);
    roles.start('outbound');
    const messageId = await reply(log);
    const recovery = (await deliveredAt(messageId, 90_000)) - killedAt;
    console.log(`[failover] outbound SIGKILL -> replacement delivered a reply sent after the kill: ${seconds(recovery)} (${load.published} events published under load)`);
    expect(load.failure).toBeUndefined();
    expect(apis.calls.filter((c) => c.idempotencyToken === messageId)).toHaveLength(1);
    expect(recovery).toBeLessThan(RECOVERY_MS);
  }, 150_000);
});

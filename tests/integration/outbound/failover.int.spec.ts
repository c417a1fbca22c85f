import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createEvent, type EventDataInput } from '../../../events/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { openKafkaEventLog, type EventLog } from '../../../src/log/event-log.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { provisionTopics } from '../../../src/log/topics.ts';
import { eventually } from '../../support/collect.ts';
import { nextTime } from '../../support/events.ts';
import { RoleProcesses, seconds, steadyLoad } from '../../support/failover.ts';
import { testLogger } from '../../support/kafka.ts';
import { obliterateQueues } from '../../support/teardown.ts';
import { writeConfigDir } from '../../support/workers.ts';
import { collectEvents, outboundConfig, startProviderApis, startSmtpSink, statusesOf, tearDown, TENANT, type RecordedCall } from './support.ts';

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

describe('the outbound role killed (SIGKILL) after the provider took a reply and before it answered', () => {
  it('has the replacement find the reply at the provider and record it, not send it again (SMS by Twilio’s Messages list, Messenger by the Conversations API)', async () => {
    const apis = await startProviderApis();
    const smtp = await startSmtpSink();
    const base = outboundConfig({ providerUrl: apis.url, smtpPort: smtp.port });
    // The killed attempt's lease (twice this plus 5 s) then runs out before BullMQ hands its stalled job on (30 s lock).
    const config: Config = { ...base, outbound: { ...base.outbound, providerTimeout: 5000 } };
    const configDir = writeConfigDir(config);
    const roles = new RoleProcesses(configDir);
    await provisionTopics(config, testLogger);
    const collected = await collectEvents(config);
    cleanups.push(async () => {
      await roles.stopAll();
      await collected.close();
      const redis = new Redis(config.redis.url);
      await obliterateQueues(redis, [config.outbound.queue]).finally(() => redis.disconnect());
      await tearDown(config, [config.outbound.consumerGroup, collected.group]);
      await apis.close();
      await smtp.close();
      rmSync(configDir, { recursive: true, force: true });
    });
    const log = await openKafkaEventLog({ kafka: createKafka(config.kafka, testLogger), topic: config.kafka.topics.events, publishTimeoutMs: 20_000 });
    cleanups.push(() => log.close());

    const sms = { messageId: `window-sms-${++n}`, handle: '+14155550180', text: `Your replacement ships today (${n})` };
    const dm = { messageId: `window-dm-${++n}`, handle: '6543210987650002', text: `We found your parcel (${n})` };
    const isSms = (c: RecordedCall) => c.method === 'POST' && new URLSearchParams(c.body).get('Body') === sms.text;
    const isDm = (c: RecordedCall) => c.method === 'POST' && c.path.endsWith('/me/messages') && c.body.includes(JSON.stringify(dm.text));
    const lookups = (fragment: string, handle: string) => apis.calls.filter((c) => c.method === 'GET' && c.path.includes(fragment) && decodeURIComponent(c.path).includes(handle));
    // The stand-in takes both sends (they are in its lists from then on) and never answers them.
    apis.hang((c) => isSms(c) || isDm(c));

    const first = roles.start('outbound');
    const sent = (customer: string, data: EventDataInput<'message.sent'>) =>
      createEvent({ type: 'message.sent', source: '/tests', tenant: TENANT, customer, conversation: `cv_${customer}`, time: nextTime(), data });
    await log.append([
      sent(`c-${sms.messageId}`, { channel: 'sms', provider: 'twilio', handle: sms.handle, author: { kind: 'agent', id: 'agent-7' }, text: sms.text, messageId: sms.messageId }),
      sent(`c-${dm.messageId}`, { channel: 'social', provider: 'messenger', handle: dm.handle, author: { kind: 'agent', id: 'agent-7' }, text: dm.text, messageId: dm.messageId }),
    ]);
    await eventually('both sends taken by the stand-in', () => apis.calls.some(isSms) && apis.calls.some(isDm), 60_000);

    // The crash: the provider has both messages, the worker has recorded neither.
    const killedAt = await roles.kill(first);
    apis.hang(undefined);
    roles.start('outbound');
    const reported = (messageId: string) => statusesOf(collected.events, messageId).some((s) => s.status === 'sent');
    // Most of the wait is BullMQ's: the killed worker's job moves on once its lock ran out and two
    // stall checks (30 s apart) saw it without one.
    await eventually('both replies reported sent', () => reported(sms.messageId) && reported(dm.messageId), 150_000);
    console.log(`[failover] outbound SIGKILL between the provider taking two replies and answering -> the replacement reported both sent: ${seconds(performance.now() - killedAt)}`);

    const smsPosts = apis.calls.filter(isSms);
    const dmPosts = apis.calls.filter(isDm);
    expect(smsPosts).toHaveLength(1);
    expect(dmPosts).toHaveLength(1);
    expect(statusesOf(collected.events, sms.messageId).find((s) => s.status === 'sent')?.providerMessageId).toBe(apis.providerIdOf(smsPosts[0]!));
    expect(statusesOf(collected.events, dm.messageId).find((s) => s.status === 'sent')?.providerMessageId).toBe(apis.providerIdOf(dmPosts[0]!));
    expect(apis.providerIdOf(smsPosts[0]!)).toMatch(/^SM[0-9a-f]{32}$/);
    expect(apis.providerIdOf(dmPosts[0]!)).toMatch(/^m_/);
    expect(lookups('/Messages.json', sms.handle).length).toBeGreaterThanOrEqual(1);
    expect(lookups('/me/conversations', dm.handle).length).toBeGreaterThanOrEqual(1);
    // One `sent`, the replacement's: the killed process reported nothing.
    expect(statusesOf(collected.events, sms.messageId).filter((s) => s.status === 'sent')).toHaveLength(1);
  }, 240_000);
});

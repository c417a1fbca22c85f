import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startBridgeRole } from '../../../src/roles/fold-bridge.ts';
import { startFoldWorkerRole } from '../../../src/roles/fold-worker.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { openKafkaEventLog } from '../../../src/log/event-log.ts';
import { ProjectionStore } from '../../../src/projections/store.ts';
import type { Conversation, TranscriptEntry } from '../../../src/domain/state.ts';
import { eventually } from '../../support/collect.ts';
import { testConfig } from '../../support/engine.ts';
import { agentReplied, customerWrote } from '../../support/events.ts';
import { testLogger } from '../../support/kafka.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('the live fold', () => {
  it('given a multi-channel scenario on Kafka, the customer projection shows it', async () => {
    const config = testConfig();
    const bridge = await startBridgeRole(config, testLogger);
    cleanups.push(() => bridge.close());
    const worker = startFoldWorkerRole(config, testLogger);
    cleanups.push(() => worker.close());
    const log = await openKafkaEventLog({ kafka: createKafka(config.kafka, testLogger), topic: config.kafka.topics.events, publishTimeoutMs: 10_000 });
    cleanups.push(() => log.close());
    const redis = new Redis(config.redis.url);
    cleanups.push(async () => {
      const keys = await redis.keys(`cs:p:${config.fold.namespace}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    });

    const email = customerWrote('acme', 'c-42', 'My order #1001 never arrived', { channel: 'email', provider: 'smtp', handle: 'jane@example.com' });
    const sms = customerWrote('acme', 'c-42', 'Any news?', { channel: 'sms', provider: 'twilio', handle: '+14155550100' });
    const reply = agentReplied('acme', 'c-42', 'Sorry Jane, a replacement ships today', { channel: 'sms', agent: 'agent-7' });
    const other = customerWrote('acme', 'c-43', 'Hello');
    await log.append([email, sms, other]);
    await log.append([reply]);

    const store = new ProjectionStore(redis, config.fold.namespace);
    await eventually('the reply folded', async () => {
      const [c] = await store.readConversations('acme', 'c-42', [`cv_${email.id}`]);
      return c?.firstResponseAt != null;
    });
    const [stored] = await store.readFolds([{ tenant: 'acme', customer: 'c-42' }]);
    const customer = stored!.fold.customer!;
    expect(customer.identities.map((i) => `${i.channel}:${i.handle}`)).toEqual(['email:jane@example.com', 'sms:+14155550100']);
    expect(customer.conversationIds).toEqual([`cv_${email.id}`]);

    const conversation = JSON.parse((await redis.get(store.keys.conversation('acme', 'c-42', `cv_${email.id}`)))!) as Conversation;
    expect(conversation).toMatchObject({
      status: 'pending',
      channels: ['email', 'sms'],
      replyTo: { channel: 'sms', provider: 'twilio', handle: '+14155550100' },
      firstCustomerMessageAt: new Date(email.time).toISOString(),
      firstResponseAt: new Date(reply.time).toISOString(),
      messageCount: 3,
    });
    const transcript = (await redis.lrange(store.keys.transcript('acme', 'c-42', conversation.id), 0, -1)).map((l) => JSON.parse(l) as TranscriptEntry);
    expect(transcript.map((t) => [t.direction, t.channel, t.text])).toEqual([
      ['in', 'email', 'My order #1001 never arrived'],
      ['in', 'sms', 'Any news?'],
      ['out', 'sms', 'Sorry Jane, a replacement ships today'],
    ]);
    expect(await redis.smembers(store.keys.handle('acme', '+14155550100'))).toEqual(['c-42']);
    expect(await redis.hget(store.keys.conversationOwners('acme'), conversation.id)).toBe('c-42');
    // c-43 waits untriaged in the queue; c-42 left it? No: it is unassigned and open, so it waits too.
    const queued = await redis.zrange(store.keys.teamQueue('acme', '_untriaged'), '0', '-1');
    expect(queued.sort()).toEqual([conversation.id, `cv_${other.id}`].sort());
  }, 60_000);
});

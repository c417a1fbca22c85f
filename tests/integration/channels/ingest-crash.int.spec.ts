import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { nanoid } from 'nanoid';
import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { deterministicEventId, type EventEnvelope } from '../../../events/index.ts';
import { twilioRoutes } from '../../../src/channels/twilio/routes.ts';
import type { Config } from '../../../src/config/schema.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { ingestKeys } from '../../../src/projections/keys.ts';
import { startEngineProcess, type EngineProcess } from '../../e2e/support/engine-process.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { testConfig } from '../../support/engine.ts';
import { freePort } from '../../support/free-port.ts';
import { testLogger } from '../../support/kafka.ts';
import { redisGate, type RedisGate } from '../../support/redis-gate.ts';

/**
 * The api role as a real process, killed (SIGKILL) in the middle of taking a Twilio message; the
 * provider's retry then reaches another API instance. Nothing of the dead process is cleaned up by
 * hand: what it left in Redis and on the topic is what a crash leaves.
 */

const PUBLIC_URL = 'https://cs.example.test';
const PATH = '/webhooks/twilio/sms';

interface Setup {
  config: Config;
  tenant: string;
  accountSid: string;
  authToken: string;
}

function setup(): Setup {
  const base = testConfig();
  const tenant = `crash-${nanoid(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const config: Config = {
    ...base,
    channels: { ...base.channels, publicUrl: PUBLIC_URL, twilio: { ...base.channels.twilio, accounts: { [accountSid]: { tenant, authToken, from: '+15005550006' } } } },
  };
  return { config, tenant, accountSid, authToken };
}

function inboundSms(s: Setup, overrides: Record<string, string> = {}): Record<string, string> {
  const sid = `SM${randomBytes(16).toString('hex')}`;
  return { MessageSid: sid, SmsSid: sid, AccountSid: s.accountSid, From: '+14155550123', To: '+15005550006', Body: 'where is my order?', NumMedia: '0', ApiVersion: '2010-04-01', ...overrides };
}

async function post(url: string, s: Setup, params: Record<string, string>): Promise<number> {
  const response = await fetch(url + PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(s.authToken, PUBLIC_URL + PATH, params) },
    body: new URLSearchParams(params).toString(),
  });
  await response.text();
  return response.status;
}

/** Posts as Twilio retries: again while the answer is 503, up to `withinMs`; the final status and how long it took. */
async function retryUntilTaken(url: string, s: Setup, params: Record<string, string>, withinMs: number): Promise<{ status: number; ms: number; answers503: number }> {
  const started = performance.now();
  let answers503 = 0;
  for (;;) {
    const status = await post(url, s, params);
    const ms = performance.now() - started;
    if (status !== 503 || ms > withinMs) return { status, ms, answers503 };
    answers503++;
    await sleep(250);
  }
}

/** Every record on the event topic: the sum of the partitions' end offsets (no transactions, no compaction). */
async function recordsOnTopic(config: Config): Promise<number> {
  const admin = createKafka(config.kafka, testLogger).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(config.kafka.topics.events)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

const received = (h: ChannelHarness, sid: string) => h.events.filter((e): e is EventEnvelope<'message.received'> => e.type === 'message.received' && e.data.providerMessageId === sid);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** The retrying side (in this process, straight to Redis) and the api process whose Redis goes through a gate. */
async function start(s: Setup): Promise<{ h: ChannelHarness; gate: RedisGate; api: EngineProcess }> {
  const h = await startChannelHarness(s.config, [twilioRoutes]);
  cleanups.push(() => h.close());
  const gate = await redisGate(s.config.redis.url);
  cleanups.push(() => gate.close());
  const api = await startEngineProcess('api', { ...s.config, redis: { url: gate.url }, http: { ...s.config.http, host: '127.0.0.1', port: await freePort() } });
  cleanups.push(() => api.dispose());
  return { h, gate, api };
}

const claimKey = (s: Setup, sid: string) => ingestKeys(s.config.instance).claim(s.tenant, deterministicEventId(s.tenant, 'twilio', sid));

describe('an API process killed while it takes a message', () => {
  it('killed as it claimed the message: the provider’s retry is taken within seconds, and the message is on the topic once', async () => {
    const s = setup();
    const { h, gate, api } = await start(s);
    const params = inboundSms(s);
    // The moment its claim reaches Redis, the process dies (before or while it appends).
    const claimed = gate.holdAfter(claimKey(s, params.MessageSid!));
    const first = post(api.url, s, params).catch(() => 'killed');
    await claimed;
    await api.stop('SIGKILL');
    expect(await first).toBe('killed');

    const retry = await retryUntilTaken(h.url, s, params, 20_000);
    expect(retry.status).toBe(200);
    // The dead request's hold lasts a few seconds (it was 2 minutes).
    expect(retry.ms).toBeLessThan(8_000);

    // One customer's events share a partition, in order: a later message arriving means a second copy would have too.
    const marker = inboundSms(s, { Body: 'one more thing' });
    expect(await post(h.url, s, marker)).toBe(200);
    await eventually('the later message', () => received(h, marker.MessageSid!).length === 1);
    expect(received(h, params.MessageSid!)).toHaveLength(1);
    expect(h.events.filter((e) => e.type === 'customer.identified')).toHaveLength(1);
    expect(await recordsOnTopic(s.config)).toBe(3);
  });

  it('killed after Kafka took the message but before it was marked done: the retry answers 200 without appending it again', async () => {
    const s = setup();
    const { h, gate, api } = await start(s);
    const params = inboundSms(s);
    // Its claim reaches Redis, then nothing more it writes does: not the 'done' after the append.
    const claimed = gate.holdAfter(claimKey(s, params.MessageSid!));
    const first = post(api.url, s, params).catch(() => 'killed');
    await claimed;
    await eventually('the message on the topic', () => received(h, params.MessageSid!).length === 1);
    await api.stop('SIGKILL');
    expect(await first).toBe('killed');
    const before = await recordsOnTopic(s.config);
    expect(before).toBe(2); // customer.identified and the message, appended by the dead process

    const retry = await retryUntilTaken(h.url, s, params, 20_000);
    expect(retry.status).toBe(200);
    expect(retry.ms).toBeLessThan(8_000);

    const marker = inboundSms(s, { Body: 'one more thing' });
    expect(await post(h.url, s, marker)).toBe(200);
    await eventually('the later message', () => received(h, marker.MessageSid!).length === 1);
    expect(received(h, params.MessageSid!)).toHaveLength(1);
    expect(h.events.filter((e) => e.type === 'customer.identified')).toHaveLength(1);
    expect(await recordsOnTopic(s.config)).toBe(3);
    // Marked done now: a further retry is a plain duplicate, answered at once.
    expect(await h.ctx.redis.get(claimKey(s, params.MessageSid!))).toBe('done');
    expect(await post(h.url, s, params)).toBe(200);
    expect(await recordsOnTopic(s.config)).toBe(3);
  });
});

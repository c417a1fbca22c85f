import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { nanoid } from 'nanoid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deterministicEventId } from '../../../events/index.ts';
import { AccountStore } from '../../../src/accounts/accounts.ts';
import { chatRoutes } from '../../../src/channels/chat/routes.ts';
import { twilioSignature } from '../../../src/channels/twilio/signature.ts';
import { twilioRoutes } from '../../../src/channels/twilio/routes.ts';
import type { Config } from '../../../src/config/schema.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { twilioInboundSms } from '../../../scripts/sim/doors.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { testConfig } from '../../support/engine.ts';
import { testLogger } from '../../support/kafka.ts';
import { Browser, dropAccounts } from '../accounts/support.ts';

/**
 * The API's rate limits (src/api/rate-limits.ts) on real Redis and Kafka, with limits small enough
 * to reach: per source address on a provider's webhook and on the chat door, per API key, per
 * signed-in person. Windows of 3 s, so a refusal's Retry-After can be waited out here.
 */
const WINDOW_MS = 3_000;
const LIMITS = { webhookAddress: 10, chatAddress: 2, apiKey: 3, person: 3 };
const PUBLIC_URL = 'https://cs.example.test';
const SMS_PATH = '/webhooks/twilio/sms';
const id = nanoid(8).replace(/[^A-Za-z0-9]/g, 'x');
const tenant = `rl-${id}`;
const keys = { a: `rate-key-a-${id}-0123456789`, b: `rate-key-b-${id}-0123456789` };
const twilio = { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex') };
const widgetKey = `widget-${id}-0123456789`;

const base = testConfig();
const limit = (max: number) => ({ max, window: WINDOW_MS });
const config: Config = {
  ...base,
  http: {
    ...base.http,
    apiKeys: { [keys.a]: tenant, [keys.b]: tenant },
    // X-Forwarded-For counts, as behind the proxy a deployment puts in front of the api.
    trustProxy: true,
    rateLimits: { webhookAddress: limit(LIMITS.webhookAddress), chatAddress: limit(LIMITS.chatAddress), apiKey: limit(LIMITS.apiKey), person: limit(LIMITS.person) },
  },
  channels: {
    ...base.channels,
    publicUrl: PUBLIC_URL,
    twilio: { ...base.channels.twilio, accounts: { [twilio.accountSid]: { tenant, authToken: twilio.authToken, from: '+15005550006' } } },
    chat: { widgets: { [widgetKey]: tenant } },
  },
};

let h: ChannelHarness;
beforeAll(async () => {
  h = await startChannelHarness(config, [twilioRoutes, chatRoutes]);
  const accounts = new AccountStore(h.ctx.redis, config.instance);
  for (const name of ['ana', 'bo']) await accounts.create({ tenant, email: `${name}@rl.test`, name, role: 'agent', agent: null, password: 'correct horse battery' });
});
afterAll(async () => {
  await h?.close();
  await dropAccounts(config);
});

/** Twilio's POST of one inbound SMS, signed over the public URL; what a provider's retry sends again byte for byte. */
function signedSms(messageSid: string) {
  const params = twilioInboundSms({ accountSid: twilio.accountSid, messageSid, from: '+14155550177', to: '+15005550006', body: `burst ${messageSid}` });
  const signature = twilioSignature(twilio.authToken, PUBLIC_URL + SMS_PATH, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])));
  return { messageSid, body: new URLSearchParams(params).toString(), signature };
}

async function deliver(sms: ReturnType<typeof signedSms>) {
  const response = await fetch(h.url + SMS_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'x-twilio-signature': sms.signature },
    body: sms.body,
  });
  const text = await response.text();
  return { sms, status: response.status, retryAfter: response.headers.get('retry-after'), text };
}

const messagesOnLog = (messageSid: string) => h.events.filter((e) => e.type === 'message.received' && e.id === deterministicEventId(tenant, 'twilio', messageSid)).length;

/** Waits until the harness's consumer has read every record on the topic: what it holds is then the whole log. */
async function wholeLog(): Promise<void> {
  const admin = createKafka(config.kafka, testLogger).admin();
  await admin.connect();
  try {
    const total = (await admin.fetchTopicOffsets(config.kafka.topics.events)).reduce((n, p) => n + Number(p.high), 0);
    await eventually(`the consumer to read all ${total} records`, () => h.events.length >= total);
  } finally {
    await admin.disconnect();
  }
}

const retryAfterOf = (answers: Array<{ retryAfter: string | null }>) => Math.max(...answers.map((a) => Number(a.retryAfter)));

describe('per source address, on a provider webhook', () => {
  it('answers a burst over the limit 429 with Retry-After before appending; the 200s are on the log once, the 429s not, and their retry is taken', async () => {
    const burst = Array.from({ length: LIMITS.webhookAddress + 6 }, () => signedSms(`SM${randomBytes(16).toString('hex')}`));
    const answers = await Promise.all(burst.map(deliver));

    const accepted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(accepted).toHaveLength(LIMITS.webhookAddress);
    expect(refused).toHaveLength(6);
    for (const a of accepted) expect(a.text).toBe('<Response/>');
    for (const a of refused) {
      expect(JSON.parse(a.text)).toMatchObject({ error: 'rate_limited', limit: 'webhookAddress', message: expect.stringContaining('http.rateLimits.webhookAddress') });
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(a.retryAfter)).toBeLessThanOrEqual(WINDOW_MS / 1000);
    }

    await wholeLog();
    for (const a of accepted) expect(messagesOnLog(a.sms.messageSid)).toBe(1);
    for (const a of refused) expect(messagesOnLog(a.sms.messageSid)).toBe(0);

    // Twilio sends the refused ones again after Retry-After, and one it had its 200 for (a retry after a lost answer).
    await sleep(retryAfterOf(refused) * 1000 + 200);
    const retries = await Promise.all([...refused.map((a) => a.sms), accepted[0]!.sms].map(deliver));
    expect(retries.map((a) => a.status)).toEqual(retries.map(() => 200));

    await wholeLog();
    for (const sms of burst) expect(messagesOnLog(sms.messageSid)).toBe(1);
  });
});

describe('per source address, on the chat door', () => {
  const post = (forwardedFor: string) =>
    fetch(`${h.url}/v1/chat/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ widgetKey, visitorToken: `visitor-${randomBytes(8).toString('hex')}`, text: 'hello' }),
    });

  it('counts each address (X-Forwarded-For, under trustProxy) on its own', async () => {
    const first = [];
    for (let i = 0; i < LIMITS.chatAddress; i++) first.push((await post('203.0.113.7')).status);
    expect(first).toEqual(first.map(() => 202));
    const over = await post('203.0.113.7');
    expect(over.status).toBe(429);
    expect(await over.json()).toMatchObject({ error: 'rate_limited', limit: 'chatAddress' });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    expect((await post('203.0.113.8')).status).toBe(202);
  });
});

describe('per API key', () => {
  const whoAmI = (key: string) => fetch(`${h.url}/v1/session`, { headers: { authorization: `Bearer ${key}` } });

  it('refuses a key over its limit with 429 rate_limited, another key of the same tenant still served, and serves it again after Retry-After', async () => {
    for (let i = 0; i < LIMITS.apiKey; i++) expect((await whoAmI(keys.a)).status).toBe(200);
    const over = await whoAmI(keys.a);
    expect(over.status).toBe(429);
    const body = (await over.json()) as { error: string; message: string; limit: string };
    expect(body).toMatchObject({ error: 'rate_limited', limit: 'apiKey' });
    expect(body.message).toMatch(/this API key.*3 requests per 3 s \(http\.rateLimits\.apiKey\); retry in \d+ s/);
    const wait = Number(over.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);

    for (let i = 0; i < LIMITS.apiKey; i++) expect((await whoAmI(keys.b)).status).toBe(200);

    await sleep(wait * 1000 + 200);
    expect((await whoAmI(keys.a)).status).toBe(200);
  });
});

describe('per signed-in person', () => {
  it("counts all of one person's sessions together, and no one else's", async () => {
    const ana = new Browser(h.url);
    const anaElsewhere = new Browser(h.url);
    const bo = new Browser(h.url);
    // Signing in is not counted here (it has its own throttle).
    for (const [browser, email] of [[ana, 'ana@rl.test'], [anaElsewhere, 'ana@rl.test'], [bo, 'bo@rl.test']] as const) {
      expect((await browser.signIn(tenant, email, 'correct horse battery')).status).toBe(200);
    }

    for (let i = 0; i < LIMITS.person - 1; i++) expect((await ana.request('GET', '/v1/session')).status).toBe(200);
    expect((await anaElsewhere.request('GET', '/v1/session')).status).toBe(200);
    const over = await ana.request('GET', '/v1/session');
    expect(over).toMatchObject({ status: 429, body: { error: 'rate_limited', limit: 'person' } });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await anaElsewhere.request('GET', '/v1/session')).status).toBe(429);

    expect((await bo.request('GET', '/v1/session')).status).toBe(200);
  });
});

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../events/index.ts';
import { buildChannelContext } from '../../../src/channels/build.ts';
import { twilioRoutes } from '../../../src/channels/twilio/routes.ts';
import type { Config } from '../../../src/config/schema.ts';
import { provisionTopics } from '../../../src/log/topics.ts';
import { createApiServer } from '../../../src/api/server.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { testConfig } from '../../support/engine.ts';
import { testLogger, unreachableEventLog } from '../../support/kafka.ts';

/** Providers call this URL (a proxy in front of us), not the harness's own address: Twilio signs it. */
const PUBLIC_URL = 'https://cs.example.test';
const OUR_NUMBER = '+15005550006';

interface TwilioSetup {
  config: Config;
  tenant: string;
  accountSid: string;
  authToken: string;
}

/** A test config with one Twilio account for a tenant of its own, called at `publicUrl`. */
function twilioSetup(publicUrl = PUBLIC_URL): TwilioSetup {
  const base = testConfig();
  const tenant = `tw-${nanoid(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const config: Config = {
    ...base,
    channels: {
      ...base.channels,
      publicUrl,
      twilio: { ...base.channels.twilio, accounts: { [accountSid]: { tenant, authToken, from: OUR_NUMBER } } },
    },
  };
  return { config, tenant, accountSid, authToken };
}

const open: ChannelHarness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

async function start(setup: TwilioSetup): Promise<ChannelHarness> {
  const h = await startChannelHarness(setup.config, [twilioRoutes]);
  open.push(h);
  return h;
}

const sid = (prefix: 'SM' | 'MM' = 'SM') => `${prefix}${randomBytes(16).toString('hex')}`;

/** What Twilio posts for an inbound SMS (the real field set, as of the 2010-04-01 API). */
function inboundSms(s: TwilioSetup, overrides: Record<string, string> = {}): Record<string, string> {
  const messageSid = overrides.MessageSid ?? sid();
  return {
    ToCountry: 'US',
    ToState: 'CA',
    SmsMessageSid: messageSid,
    NumMedia: '0',
    ToCity: '',
    FromZip: '94105',
    SmsSid: messageSid,
    FromState: 'CA',
    SmsStatus: 'received',
    FromCity: 'SAN FRANCISCO',
    Body: 'Hi! My order #42 hasn’t arrived & I need it = today (100% sure)',
    FromCountry: 'US',
    To: OUR_NUMBER,
    ToZip: '',
    NumSegments: '1',
    MessageSid: messageSid,
    AccountSid: s.accountSid,
    From: '+14155550123',
    ApiVersion: '2010-04-01',
    ...overrides,
  };
}

/** Posts a form as Twilio does, signed with the official library (over the public URL) unless a signature is given. */
async function post(h: { url: string }, s: TwilioSetup, path: string, params: Record<string, string>, signature?: string | null) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' };
  const sig = signature === undefined ? twilio.getExpectedTwilioSignature(s.authToken, s.config.channels.publicUrl + path, params) : signature;
  if (sig !== null) headers['x-twilio-signature'] = sig;
  const body = new URLSearchParams(params).toString();
  const response = await fetch(h.url + path, { method: 'POST', headers, body });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', retryAfter: response.headers.get('retry-after'), text: await response.text(), sent: body };
}

const received = (h: ChannelHarness, messageSid: string) =>
  h.events.filter((e): e is EventEnvelope<'message.received'> => e.type === 'message.received' && e.data.providerMessageId === messageSid);
const statuses = (h: ChannelHarness) => h.events.filter((e): e is EventEnvelope<'message.status_updated'> => e.type === 'message.status_updated');

describe('POST /webhooks/twilio/sms', () => {
  it('turns a signed inbound SMS into one message.received with an E.164 handle, and answers empty TwiML', async () => {
    const s = twilioSetup();
    const h = await start(s);
    const params = inboundSms(s);
    // Twilio signs the query string too, when the webhook URL has one.
    const answer = await post(h, s, '/webhooks/twilio/sms?source=console', params);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^text\/xml/);
    expect(answer.text).toBe('<Response/>');

    await eventually('the message on the topic', () => received(h, params.MessageSid!).length === 1);
    const [event] = received(h, params.MessageSid!);
    expect(event).toMatchObject({
      tenant: s.tenant,
      data: { channel: 'sms', provider: 'twilio', handle: '+14155550123', text: params.Body, providerMessageId: params.MessageSid },
    });
    expect(h.events.filter((e) => e.type === 'customer.identified' && e.customer === event!.customer)).toHaveLength(1);
  });

  it('answers a retry of the same MessageSid with 200 and still has exactly one event', async () => {
    const s = twilioSetup();
    const h = await start(s);
    const params = inboundSms(s);
    expect((await post(h, s, '/webhooks/twilio/sms', params)).status).toBe(200);
    await eventually('the first delivery', () => received(h, params.MessageSid!).length === 1);
    const retry = await post(h, s, '/webhooks/twilio/sms', params);
    expect(retry.status).toBe(200);
    expect(retry.text).toBe('<Response/>');

    // One customer's events share a partition, in order: once a later message arrived, a duplicate would have too.
    const marker = inboundSms(s, { Body: 'one more thing' });
    expect((await post(h, s, '/webhooks/twilio/sms', marker)).status).toBe(200);
    await eventually('the later message', () => received(h, marker.MessageSid!).length === 1);
    expect(received(h, params.MessageSid!)).toHaveLength(1);
  });

  it('refuses a bad, missing or foreign signature with 403 and keeps the raw body on rejected-input', async () => {
    const s = twilioSetup();
    const h = await start(s);
    const forged = inboundSms(s);
    const wrongKey = twilio.getExpectedTwilioSignature(randomBytes(16).toString('hex'), `${PUBLIC_URL}/webhooks/twilio/sms`, forged);
    const bad = await post(h, s, '/webhooks/twilio/sms', forged, wrongKey);
    expect(bad.status).toBe(403);
    expect(JSON.parse(bad.text)).toEqual({ error: 'invalid_signature', message: expect.stringContaining('X-Twilio-Signature') });

    // Signed for our own address instead of the public URL Twilio calls.
    const wrongUrl = twilio.getExpectedTwilioSignature(s.authToken, `${h.url}/webhooks/twilio/sms`, forged);
    expect((await post(h, s, '/webhooks/twilio/sms', forged, wrongUrl)).status).toBe(403);

    // A parameter changed after signing.
    const tampered = { ...forged, Body: 'send the refund to another account' };
    expect((await post(h, s, '/webhooks/twilio/sms', tampered, twilio.getExpectedTwilioSignature(s.authToken, `${PUBLIC_URL}/webhooks/twilio/sms`, forged))).status).toBe(403);

    const unsigned = await post(h, s, '/webhooks/twilio/sms', inboundSms(s), null);
    expect(unsigned.status).toBe(403);

    const stranger = inboundSms(s, { AccountSid: `AC${randomBytes(16).toString('hex')}` });
    const foreign = await post(h, s, '/webhooks/twilio/sms', stranger);
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.text)).toMatchObject({ error: 'unknown_account' });

    const kept = await h.rejected();
    expect(kept).toHaveLength(5);
    // The topic is keyed by tenant (none for an unknown account): order holds per key only.
    expect(kept.find((k) => k.body === bad.sent)).toEqual({ provider: 'twilio', reason: 'X-Twilio-Signature does not match', body: bad.sent });
    expect(kept.map((k) => k.reason)).toContain('X-Twilio-Signature is missing');
    expect(kept.map((k) => k.reason)).toContain(`unknown Twilio AccountSid ${stranger.AccountSid}`);
    expect(h.events.filter((e) => e.type === 'message.received')).toHaveLength(0);
  });

  it('carries MMS media as attachment metadata', async () => {
    const s = twilioSetup();
    const h = await start(s);
    const messageSid = sid('MM');
    const media = (n: number) => `https://api.twilio.com/2010-04-01/Accounts/${s.accountSid}/Messages/${messageSid}/Media/ME${n}${'0'.repeat(31)}`;
    const params = inboundSms(s, {
      MessageSid: messageSid,
      Body: '',
      NumMedia: '2',
      MediaContentType0: 'image/jpeg',
      MediaUrl0: media(1),
      MediaContentType1: 'application/pdf',
      MediaUrl1: media(2),
    });
    expect((await post(h, s, '/webhooks/twilio/sms', params)).status).toBe(200);
    await eventually('the MMS on the topic', () => received(h, messageSid).length === 1);
    expect(received(h, messageSid)[0]!.data).toMatchObject({
      text: '',
      attachments: [
        { filename: `ME1${'0'.repeat(31)}.jpeg`, contentType: 'image/jpeg', size: 0, storageKey: media(1) },
        { filename: `ME2${'0'.repeat(31)}.pdf`, contentType: 'application/pdf', size: 0, storageKey: media(2) },
      ],
    });
  });

  it('keeps an MMS whose MediaContentType0 is missing: 200, the text and the media as application/octet-stream, the missing field on rejected-input', async () => {
    const s = twilioSetup();
    const h = await start(s);
    const messageSid = sid('MM');
    const mediaUrl = `https://api.twilio.com/2010-04-01/Accounts/${s.accountSid}/Messages/${messageSid}/Media/ME${'1'.repeat(32)}`;
    const params = inboundSms(s, { MessageSid: messageSid, Body: 'the parcel arrived broken, photo attached', NumMedia: '1', MediaUrl0: mediaUrl });

    const started = performance.now();
    const answer = await post(h, s, '/webhooks/twilio/sms', params);
    // The note is one more write of the rejected-input producer: Twilio waits 15 s at most.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(answer).toMatchObject({ status: 200, text: '<Response/>' });
    expect(answer.contentType).toMatch(/^text\/xml/);

    await eventually('the message on the topic', () => received(h, messageSid).length === 1);
    const [event] = received(h, messageSid);
    expect(event!.data).toMatchObject({
      text: 'the parcel arrived broken, photo attached',
      attachments: [{ filename: `ME${'1'.repeat(32)}`, contentType: 'application/octet-stream', size: 0, storageKey: mediaUrl }],
    });
    let kept: Awaited<ReturnType<ChannelHarness['rejected']>> = [];
    await eventually('the note on rejected-input', async () => (kept = await h.rejected()).length === 1);
    expect(kept).toEqual([
      {
        provider: 'twilio',
        reason: `taken as message.received ${event!.id} without what is missing: MediaContentType0 is missing: media 0 kept as application/octet-stream`,
        body: answer.sent,
        eventId: event!.id,
      },
    ]);
  });

  it('keeps the text when the media fields disagree (a type without its URL, NumMedia off), naming each on rejected-input', async () => {
    const s = twilioSetup();
    const h = await start(s);
    const params = inboundSms(s, { NumMedia: '3', MediaContentType0: 'image/jpeg' });

    const answer = await post(h, s, '/webhooks/twilio/sms', params);
    expect(answer).toMatchObject({ status: 200, text: '<Response/>' });
    await eventually('the message on the topic', () => received(h, params.MessageSid!).length === 1);
    const [event] = received(h, params.MessageSid!);
    expect(event!.data.text).toBe(params.Body);
    expect(event!.data.attachments).toBeUndefined();

    // Twilio's retry of the same webhook: no second event; the note is kept again (it names the same event).
    expect((await post(h, s, '/webhooks/twilio/sms', params)).status).toBe(200);
    let kept: Awaited<ReturnType<ChannelHarness['rejected']>> = [];
    await eventually('both notes on rejected-input', async () => (kept = await h.rejected()).length === 2);
    for (const note of kept) {
      expect(note).toMatchObject({ provider: 'twilio', body: answer.sent, eventId: event!.id });
      expect(note.reason).toContain('MediaUrl0 is missing (MediaContentType0 "image/jpeg"): media 0 left out');
      expect(note.reason).toContain('MediaUrl2 is missing: media 2 left out');
      expect(note.reason).toContain('NumMedia is 3 but 0 MediaUrlN are present');
    }
    expect(received(h, params.MessageSid!)).toHaveLength(1);
  });

  it('answers 400 naming the problem, and keeps the body, when the message cannot be an event', async () => {
    const s = twilioSetup();
    const h = await start(s);
    const params = inboundSms(s, { From: 'not a number' });
    const answer = await post(h, s, '/webhooks/twilio/sms', params);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({ error: 'invalid_message', message: expect.stringContaining('not a phone number') });
    const empty = await post(h, s, '/webhooks/twilio/sms', inboundSms(s, { Body: '' }));
    expect(empty.status).toBe(400);
    const kept = await h.rejected();
    expect(kept.map((k) => k.body)).toEqual([answer.sent, empty.sent]);
  });
});

describe('Twilio webhooks to a public URL with credentials and a port', () => {
  it('accept a signature over any spelling Twilio may use, and nothing else', async () => {
    // Twilio calls https://twilio:s3cret@cs.example.test:443/…; it may sign that with or without the credentials and the port.
    const s = twilioSetup('https://twilio:s3cret@cs.example.test:443');
    const h = await start(s);
    const path = '/webhooks/twilio/sms?source=console';
    const spellings = [
      'https://twilio:s3cret@cs.example.test:443',
      'https://twilio:s3cret@cs.example.test',
      'https://cs.example.test:443',
      'https://cs.example.test',
    ];
    for (const base of spellings) {
      const params = inboundSms(s, { Body: `signed over ${base}` });
      const answer = await post(h, s, path, params, twilio.getExpectedTwilioSignature(s.authToken, base + path, params));
      expect(answer, base).toMatchObject({ status: 200, text: '<Response/>' });
    }
    await eventually('four messages', () => h.events.filter((e) => e.type === 'message.received').length === 4);

    const params = inboundSms(s);
    const refused: Array<[string, string]> = [
      ['another path', twilio.getExpectedTwilioSignature(s.authToken, 'https://cs.example.test/webhooks/twilio/status?source=console', params)],
      ['another query', twilio.getExpectedTwilioSignature(s.authToken, 'https://cs.example.test/webhooks/twilio/sms?source=other', params)],
      ['another body', twilio.getExpectedTwilioSignature(s.authToken, `https://cs.example.test${path}`, { ...params, Body: 'refund to me' })],
      ['another port', twilio.getExpectedTwilioSignature(s.authToken, `https://cs.example.test:8443${path}`, params)],
      ['other credentials', twilio.getExpectedTwilioSignature(s.authToken, `https://twilio:guess@cs.example.test:443${path}`, params)],
    ];
    for (const [what, signature] of refused) {
      const answer = await post(h, s, path, params, signature);
      expect(answer.status, what).toBe(403);
      expect(JSON.parse(answer.text), what).toMatchObject({ error: 'invalid_signature' });
    }
    expect(await h.rejected()).toHaveLength(refused.length);
    expect(received(h, params.MessageSid!)).toHaveLength(0);
  });
});

describe('Twilio status callbacks', () => {
  it('become message.status_updated on the customer the message went to', async () => {
    const s = twilioSetup();
    const h = await start(s);
    const customerNumber = '+14155550199';
    const hello = inboundSms(s, { From: customerNumber });
    expect((await post(h, s, '/webhooks/twilio/sms', hello)).status).toBe(200);
    await eventually('the customer exists', () => received(h, hello.MessageSid!).length === 1);
    const customer = received(h, hello.MessageSid!)[0]!.customer;

    const outbound = sid();
    const callback = (status: string, extra: Record<string, string> = {}) => ({
      SmsSid: outbound,
      SmsStatus: status,
      MessageStatus: status,
      To: customerNumber,
      MessageSid: outbound,
      AccountSid: s.accountSid,
      From: OUR_NUMBER,
      ApiVersion: '2010-04-01',
      ...extra,
    });
    // 'delivered' twice: Twilio's retry of a callback adds nothing to the log.
    for (const status of ['queued', 'sending', 'sent', 'delivered', 'delivered']) {
      const answer = await post(h, s, '/webhooks/twilio/status', callback(status));
      expect(answer.status).toBe(200);
      expect(answer.text).toBe('<Response/>');
    }
    // The same URL as inbound messages works too (a body with MessageStatus and no Body).
    expect((await post(h, s, '/webhooks/twilio/sms', callback('undelivered', { ErrorCode: '30003', ErrorMessage: 'Unreachable destination handset' }))).status).toBe(200);
    // A recipient we never saw is not our customer: acknowledged, nothing appended.
    expect((await post(h, s, '/webhooks/twilio/status', callback('delivered', { To: '+14155550100', MessageSid: sid() }))).status).toBe(200);

    await eventually('four status events', () => statuses(h).length >= 4);
    const got = statuses(h);
    expect(got.map((e) => e.data.status)).toEqual(['queued', 'sent', 'delivered', 'failed']);
    for (const e of got) expect(e).toMatchObject({ tenant: s.tenant, customer, data: { channel: 'sms', provider: 'twilio', providerMessageId: outbound } });
    expect(got[3]!.data.error).toBe('Twilio error 30003: Unreachable destination handset');
  });
});

describe('Twilio webhooks while Kafka is unreachable', () => {
  it('answer 503 with Retry-After, so Twilio retries', async () => {
    const s = twilioSetup();
    // The rejected-input sink and Redis are real and up; only the event log's broker is unreachable.
    await provisionTopics(s.config, testLogger);
    const redis = new Redis(s.config.redis.url);
    const eventLog = unreachableEventLog(s.config.kafka.topics.events);
    const ctx = await buildChannelContext({ config: s.config, redis, eventLog, logger: testLogger });
    const app = createApiServer({ config: s.config, redis, eventLog, logger: testLogger, extensions: [(scope) => twilioRoutes(scope, ctx)] });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const params = inboundSms(s);
      const started = performance.now();
      const answer = await post({ url }, s, '/webhooks/twilio/sms', params);
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).toBe('5');
      expect(JSON.parse(answer.text)).toMatchObject({ error: 'log_unavailable' });
      expect(performance.now() - started).toBeLessThan(5000);
      // Nothing was marked done: the retry is processed in full, not dropped as a duplicate.
      const again = await post({ url }, s, '/webhooks/twilio/sms', params);
      expect(again.status).toBe(503);
    } finally {
      await app.close();
      await ctx.rejected.close();
      await eventLog.close();
      await cleanup(s.config, redis);
    }
  });
});

async function cleanup(config: Config, redis: Redis): Promise<void> {
  for (const pattern of [`cs:id:{${config.instance}:*`, `cs:in:{${config.instance}:*`]) {
    const keys = await redis.keys(pattern);
    if (keys.length) await redis.unlink(...keys);
  }
  redis.disconnect();
  const admin = createKafka(config.kafka, testLogger).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(config.kafka.topics) }).catch(() => undefined);
  await admin.disconnect();
}


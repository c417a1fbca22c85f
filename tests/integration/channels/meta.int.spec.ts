import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../events/index.ts';
import { buildChannelContext } from '../../../src/channels/build.ts';
import { metaRoutes } from '../../../src/channels/meta/routes.ts';
import type { Config } from '../../../src/config/schema.ts';
import { provisionTopics } from '../../../src/log/topics.ts';
import { createApiServer } from '../../../src/api/server.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { testConfig } from '../../support/engine.ts';
import { testLogger, unreachableEventLog } from '../../support/kafka.ts';

/** Shared fixtures live next to the repository (../shared/fixtures, see its SOURCES.md); read in place, never copied. */
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/whatsapp-cloud-api-pywa/', import.meta.url));
/** The business phone number id of every pywa update fixture. */
const PHONE_NUMBER_ID = '1122334455667';

interface MetaSetup {
  config: Config;
  tenant: string;
  appSecret: string;
  verifyToken: string;
}

function metaSetup(options: { appSecret?: string; routeIds?: string[] } = {}): MetaSetup {
  const base = testConfig();
  const tenant = `meta-${nanoid(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const appSecret = options.appSecret ?? randomBytes(16).toString('hex');
  const verifyToken = randomBytes(12).toString('hex');
  const routes = Object.fromEntries((options.routeIds ?? [PHONE_NUMBER_ID]).map((id) => [id, { tenant, accessToken: '' }]));
  const config: Config = { ...base, channels: { ...base.channels, meta: { ...base.channels.meta, appSecret, verifyToken, routes } } };
  return { config, tenant, appSecret, verifyToken };
}

const open: ChannelHarness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

async function start(setup: MetaSetup): Promise<ChannelHarness> {
  const h = await startChannelHarness(setup.config, [metaRoutes]);
  open.push(h);
  return h;
}

const sign = (secret: string, body: string | Buffer) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function post(h: { url: string }, body: string | Buffer, signature: string | null) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  const response = await fetch(`${h.url}/webhooks/meta`, { method: 'POST', headers, body });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), text: await response.text() };
}

type Body = { object: string; entry: Array<{ id?: string; changes: Array<{ field: string; value: Record<string, unknown> & { messages?: Array<Record<string, unknown>>; statuses?: Array<Record<string, unknown>> } }> }> };

/** Every named payload of every pywa update file, as `file:case` -> body. */
function fixtureCases(): Map<string, Body> {
  const cases = new Map<string, Body>();
  for (const file of readdirSync(join(FIXTURES, 'updates')).sort()) {
    const named = JSON.parse(readFileSync(join(FIXTURES, 'updates', file), 'utf8')) as Record<string, Body>;
    for (const [name, body] of Object.entries(named)) cases.set(`${file.replace(/\.json$/, '')}:${name}`, body);
  }
  return cases;
}

/** The fixtures reuse ids like wamid.xyzxyz across cases; each case gets its own so dedupe keeps them apart. */
function withIds(body: Body, key: string): Body {
  const copy = structuredClone(body);
  for (const entry of copy.entry) {
    for (const change of entry.changes ?? []) {
      change.value.messages?.forEach((m, i) => (m.id = `wamid.${key}.${i}`));
      change.value.statuses?.forEach((s, i) => (s.id = `wamid.${key}.status.${i}`));
    }
  }
  return copy;
}

const messages = (h: ChannelHarness) => h.events.filter((e): e is EventEnvelope<'message.received'> => e.type === 'message.received');
const statuses = (h: ChannelHarness) => h.events.filter((e): e is EventEnvelope<'message.status_updated'> => e.type === 'message.status_updated');
const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

describe('Meta webhook signature (X-Hub-Signature-256)', () => {
  it('verifies the real Meta-signed body of the fixtures, and refuses a wrong or missing signature', async () => {
    const vector = JSON.parse(readFileSync(join(FIXTURES, 'signature_vector.json'), 'utf8')) as { app_secret: string; x_hub_signature_256: string; body_file: string };
    const bytes = readFileSync(join(FIXTURES, vector.body_file));
    const s = metaSetup({ appSecret: vector.app_secret, routeIds: ['277321005464405'] });
    const h = await start(s);

    const wrong = vector.x_hub_signature_256.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const forged = await post(h, bytes, wrong);
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.text)).toEqual({ error: 'invalid_signature', message: 'X-Hub-Signature-256 does not match' });
    expect((await post(h, bytes, null)).status).toBe(403);
    // Signed over re-serialised JSON instead of the bytes sent: not the same.
    expect((await post(h, bytes, sign(vector.app_secret, JSON.stringify(JSON.parse(bytes.toString()), null, 1)))).status).toBe(403);

    const genuine = await post(h, bytes, vector.x_hub_signature_256);
    expect(genuine.status).toBe(200);
    await eventually('the signed message on the topic', () => messages(h).length === 1);
    expect(messages(h)[0]).toMatchObject({
      tenant: s.tenant,
      time: iso(1730231903),
      data: { channel: 'social', provider: 'whatsapp', handle: '+972544401243', text: 'Hey there! I am using PyWa.', providerMessageId: 'wamid.HBgMOTcyNTQ0NDAxMjQzFQIAEhggM0RFQTNCMEEwRTY3QzUwODYzMDc4NjQ4QzM4ODAxM0YA' },
    });
    const kept = await h.rejected();
    expect(kept).toHaveLength(3);
    expect(kept[0]).toEqual({ provider: 'meta', reason: 'X-Hub-Signature-256 does not match', body: bytes.toString() });
  });
});

describe('GET /webhooks/meta (subscription handshake)', () => {
  it('echoes hub.challenge for the right verify token only', async () => {
    const s = metaSetup();
    const h = await start(s);
    const get = (query: Record<string, string>) => fetch(`${h.url}/webhooks/meta?${new URLSearchParams(query)}`);
    const ok = await get({ 'hub.mode': 'subscribe', 'hub.verify_token': s.verifyToken, 'hub.challenge': '1158201444' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    expect((await get({ 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1' })).status).toBe(403);
    expect((await get({ 'hub.mode': 'unsubscribe', 'hub.verify_token': s.verifyToken, 'hub.challenge': '1' })).status).toBe(403);
    expect((await get({ 'hub.challenge': '1' })).status).toBe(403);
  });
});

/** What each message fixture must become; every other case (statuses, system, edits, templates, …) becomes nothing. */
const expectedMessages: Record<string, { text: string; inReplyTo?: string; attachments?: Array<{ filename: string; contentType: string; storageKey: string }> }> = {
  'message:text': { text: 'Body Text' },
  'message:image': { text: '', attachments: [{ filename: 'image-65463453', contentType: 'image/jpeg', storageKey: '65463453' }] },
  'message:media_with_url': { text: '', attachments: [{ filename: 'image-65463453', contentType: 'image/jpeg', storageKey: '65463453' }] },
  'message:video': { text: 'caption', attachments: [{ filename: 'video-765756756', contentType: 'video/mp4', storageKey: '765756756' }] },
  'message:document': { text: 'caption', attachments: [{ filename: 'filename.pdf', contentType: 'application/pdf', storageKey: '1234567890987654321' }] },
  'message:audio': { text: '', attachments: [{ filename: 'audio-1234567890987654321', contentType: 'audio/ogg; codecs=opus', storageKey: '1234567890987654321' }] },
  'message:voice': { text: '', attachments: [{ filename: 'audio-1234567890987654321', contentType: 'audio/ogg; codecs=opus', storageKey: '1234567890987654321' }] },
  'message:static_sticker': { text: '', attachments: [{ filename: 'sticker-1234567890987654321', contentType: 'image/webp', storageKey: '1234567890987654321' }] },
  'message:animated_sticker': { text: '', attachments: [{ filename: 'sticker-1234567890987654321', contentType: 'image/webp', storageKey: '1234567890987654321' }] },
  'message:reaction': { text: '😮', inReplyTo: 'wamid.yzxyzx=' },
  'message:current_location': { text: '[location] (12.25089, 43.90539)' },
  'message:chosen_location': { text: '[location] Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025 (37.4611978, -122.2164385) https://maps.google.com/?cid=2000000000000000000' },
  'message:contacts': { text: '[contacts] Chandler Bing +1 555-555-5555; Monica +1 666-666-6666; Rachel Green +1 777-777-7777' },
  'message:order': { text: '[order] 3 × HAMBURGER, 2 × FRENCH_FRIES, 2 × SODA' },
  'message:unsupported': { text: '[unsupported message]' },
  'message:unsupported_with_type': { text: '[unsupported message: pool]' },
  'message:reply': { text: 'replied text', inReplyTo: 'wamid.xyzxyz==' },
  'message:forwarded': { text: 'forwarded text' },
  'message:forwarded_many_times': { text: 'text forwarded many times' },
  'message:interactive_message_with_err': { text: '[interactive message]', inReplyTo: 'wamid.gvwegfretge==' },
  'message:referral': { text: 'BODY' },
  'callback_button:button': { text: 'title', inReplyTo: 'wamid.xyzxyz' },
  'callback_button:quick_reply': { text: 'title', inReplyTo: 'wamid.xyzxyz==' },
  'callback_button:quick_reply_without_context': { text: 'title' },
  'callback_selection:callback': { text: 'title', inReplyTo: 'wamid.xyzxyz' },
  'callback_selection:description': { text: 'title', inReplyTo: 'wamid.xyzxyz' },
  'call_permission_update:accept': { text: '[call permission: accept]', inReplyTo: 'wamid.y==' },
  'call_permission_update:reject': { text: '[call permission: reject]', inReplyTo: 'wamid.y==' },
  'flow_completion:completion': { text: 'Sent', inReplyTo: 'wamid.gvwegfretge==' },
  'flow_completion:without_flow_token': { text: 'Sent', inReplyTo: 'wamid.gvwegfretge==' },
};

describe('POST /webhooks/meta (WhatsApp Cloud API)', () => {
  it('turns every message fixture into exactly one message.received, and acknowledges everything else', async () => {
    const s = metaSetup();
    const h = await start(s);
    const cases = fixtureCases();
    expect(cases.size).toBe(74);
    for (const [key, body] of cases) {
      if (key.startsWith('message_status:')) continue; // statuses: next test
      const text = JSON.stringify(withIds(body, key));
      const answer = await post(h, text, sign(s.appSecret, text));
      expect({ key, status: answer.status }).toEqual({ key, status: 200 });
    }
    const keys = Object.keys(expectedMessages);
    await eventually('one event per message fixture', () => messages(h).length >= keys.length);
    const got = messages(h);
    expect(got).toHaveLength(keys.length);
    for (const key of keys) {
      const events = got.filter((e) => e.data.providerMessageId === `wamid.${key}.0`);
      expect({ key, count: events.length }).toEqual({ key, count: 1 });
      const { text, inReplyTo, attachments } = expectedMessages[key]!;
      const source = cases.get(key)!.entry[0]!.changes[0]!.value.messages![0]!;
      expect({ key, ...events[0] }).toMatchObject({
        key,
        tenant: s.tenant,
        time: iso(Number(source.timestamp)),
        data: { channel: 'social', provider: 'whatsapp', handle: '+972987654321', text, ...(inReplyTo ? { inReplyTo } : {}) },
      });
      if (!inReplyTo) expect(events[0]!.data.inReplyTo).toBeUndefined();
      expect(events[0]!.data.attachments).toEqual(attachments?.map((a) => ({ ...a, size: 0 })));
    }
    // One customer wrote them all.
    expect(new Set(got.map((e) => e.customer)).size).toBe(1);
    // The other business numbers of the fixtures (system/edit/revoke/preferences) are not routed, but nothing there needed a tenant.
    expect(await h.rejected()).toEqual([]);
  });

  it('turns status fixtures into message.status_updated on the recipient customer', async () => {
    const s = metaSetup();
    const h = await start(s);
    const cases = fixtureCases();
    const hello = JSON.stringify(withIds(cases.get('message:text')!, 'hello'));
    expect((await post(h, hello, sign(s.appSecret, hello))).status).toBe(200);
    await eventually('the customer exists', () => messages(h).length === 1);
    const customer = messages(h)[0]!.customer;

    const statusKeys = [...cases.keys()].filter((k) => k.startsWith('message_status:') || k === 'call_status:call_status');
    for (const key of statusKeys) {
      const text = JSON.stringify(withIds(cases.get(key)!, key));
      expect((await post(h, text, sign(s.appSecret, text))).status).toBe(200);
    }
    // A report on a number we never saw: acknowledged, nothing appended.
    const stranger = withIds(cases.get('message_status:delivered')!, 'stranger');
    stranger.entry[0]!.changes[0]!.value.statuses![0]!.recipient_id = '15550009999';
    expect((await post(h, JSON.stringify(stranger), sign(s.appSecret, JSON.stringify(stranger)))).status).toBe(200);

    const expected: Record<string, string> = { sent: 'sent', delivered: 'delivered', read: 'read', played: 'read', failed: 'failed', with_tracker: 'sent' };
    await eventually('the status events', () => statuses(h).length >= Object.keys(expected).length);
    const got = statuses(h);
    expect(got).toHaveLength(Object.keys(expected).length);
    for (const [name, status] of Object.entries(expected)) {
      const key = `message_status:${name}`;
      const source = cases.get(key)!.entry[0]!.changes[0]!.value.statuses![0]!;
      const event = got.find((e) => e.data.providerMessageId === `wamid.${key}.status.0`);
      expect({ key, ...event }).toMatchObject({ key, tenant: s.tenant, customer, time: iso(Number(source.timestamp)), data: { channel: 'social', provider: 'whatsapp', status } });
    }
    expect(got.find((e) => e.data.status === 'failed')!.data.error).toBe(
      "WhatsApp error 130472: User's number is part of an experiment: Failed to send message because this user's phone number is part of an experiment",
    );
  });

  it('appends a batch of 3 messages as 3 events before answering 200', async () => {
    const s = metaSetup();
    const h = await start(s);
    const base = fixtureCases().get('message:text')!;
    const message = (id: string, from: string, body: string, ts: number) => ({ from, id, timestamp: String(ts), type: 'text', text: { body } });
    const batch = structuredClone(base);
    batch.entry[0]!.changes[0]!.value.messages = [message('wamid.batch.1', '972987654321', 'first', 1697043223), message('wamid.batch.2', '972987654321', 'second', 1697043224)];
    batch.entry.push({ id: '1234567890987654321', changes: [{ field: 'messages', value: { ...structuredClone(base.entry[0]!.changes[0]!.value), messages: [message('wamid.batch.3', '14155550123', 'third', 1697043225)] } }] });
    const text = JSON.stringify(batch);
    expect((await post(h, text, sign(s.appSecret, text))).status).toBe(200);
    await eventually('three events', () => messages(h).length >= 3);
    expect(messages(h).map((e) => [e.data.providerMessageId, e.data.text, e.data.handle]).sort()).toEqual([
      ['wamid.batch.1', 'first', '+972987654321'],
      ['wamid.batch.2', 'second', '+972987654321'],
      ['wamid.batch.3', 'third', '+14155550123'],
    ]);
    // Meta resends a batch it thinks failed: everything in it is a duplicate now.
    expect((await post(h, text, sign(s.appSecret, text))).status).toBe(200);
    const marker = JSON.stringify(withIds(base, 'marker'));
    expect((await post(h, marker, sign(s.appSecret, marker))).status).toBe(200);
    await eventually('the marker', () => messages(h).some((e) => e.data.providerMessageId === 'wamid.marker.0'));
    expect(messages(h)).toHaveLength(4);
  });

  it('keeps messages for an unknown phone_number_id on rejected-input and processes the rest', async () => {
    const s = metaSetup();
    const h = await start(s);
    const base = fixtureCases().get('message:text')!;
    const body = withIds(base, 'known');
    const foreign = withIds(base, 'foreign').entry[0]!;
    (foreign.changes[0]!.value.metadata as { phone_number_id: string }).phone_number_id = '999000111';
    body.entry.push(foreign);
    const text = JSON.stringify(body);
    expect((await post(h, text, sign(s.appSecret, text))).status).toBe(200);
    await eventually('the routed message', () => messages(h).length === 1);
    expect(messages(h)[0]!.data.providerMessageId).toBe('wamid.known.0');
    const kept = await h.rejected();
    expect(kept).toHaveLength(1);
    expect(kept[0]!.reason).toBe('no route for Meta id 999000111 (channels.meta.routes)');
    expect(JSON.parse(kept[0]!.body)).toEqual({ object: 'whatsapp_business_account', entry: [foreign] });
  });

  it('answers 400 to a signed body that is not JSON, and keeps it', async () => {
    const s = metaSetup();
    const h = await start(s);
    const broken = '{"object":"whatsapp_business_account","entry":[';
    const answer = await post(h, broken, sign(s.appSecret, broken));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'invalid_body', message: expect.stringContaining('invalid JSON') });
    const notAWebhook = '{"hello":"world"}';
    expect((await post(h, notAWebhook, sign(s.appSecret, notAWebhook))).status).toBe(400);
    expect((await h.rejected()).map((k) => k.body)).toEqual([broken, notAWebhook]);
  });
});

describe('Meta webhooks while Kafka is unreachable', () => {
  it('answer 503 with Retry-After, so Meta retries the batch', async () => {
    const s = metaSetup();
    await provisionTopics(s.config, testLogger);
    const redis = new Redis(s.config.redis.url);
    const eventLog = unreachableEventLog(s.config.kafka.topics.events);
    const ctx = await buildChannelContext({ config: s.config, redis, eventLog, logger: testLogger });
    const app = createApiServer({ config: s.config, redis, eventLog, logger: testLogger, extensions: [(scope) => metaRoutes(scope, ctx)] });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const text = JSON.stringify(withIds(fixtureCases().get('message:text')!, 'down'));
      const answer = await post({ url }, text, sign(s.appSecret, text));
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).toBe('5');
      expect(JSON.parse(answer.text)).toMatchObject({ error: 'log_unavailable' });
    } finally {
      await app.close();
      await ctx.rejected.close();
      await eventLog.close();
      for (const key of await redis.keys(`cs:*:{${s.config.instance}:*`)) await redis.unlink(key);
      redis.disconnect();
      const admin = createKafka(s.config.kafka, testLogger).admin();
      await admin.connect();
      await admin.deleteTopics({ topics: Object.values(s.config.kafka.topics) }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});

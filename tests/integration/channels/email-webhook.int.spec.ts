import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../events/index.ts';
import { buildChannelContext } from '../../../src/channels/build.ts';
import { emailRoutes } from '../../../src/channels/email/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { provisionTopics } from '../../../src/log/topics.ts';
import { createApiServer } from '../../../src/api/server.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { EMAIL_WEBHOOK_AUTH, testConfig } from '../../support/engine.ts';
import { testLogger, unreachableEventLog } from '../../support/kafka.ts';

const fixtures = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
/** The SendGrid samples are LF-only; an HTTP client sends multipart bodies with CRLF. */
const sendgridSample = (name: string) => Buffer.from(readFileSync(join(fixtures, 'sendgrid-inbound-parse', name), 'latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
const FORM = 'multipart/form-data; boundary=xYzZY';

function emailConfig(): { config: Config; tenant: string; dir: string } {
  const base = testConfig();
  const tenant = `em-${nanoid(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const dir = mkdtempSync(join(tmpdir(), 'email-webhook-'));
  // The addresses the samples were sent to, plus chatwoot's reply address.
  const addresses = { 'inbound@inbound.example.com': tenant, 'inbound@inbound.inbound.com': tenant, 'reply@example.com': tenant };
  const config: Config = { ...base, channels: { ...base.channels, attachments: { dir, maxBytes: 1024 * 1024 }, email: { ...base.channels.email, addresses } } };
  return { config, tenant, dir };
}

type Received = Extract<AnyEvent, { type: 'message.received' }>;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const { config, tenant, dir } = emailConfig();
  const h: ChannelHarness = await startChannelHarness(config, [emailRoutes]);
  cleanups.push(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const post = async (body: Buffer | string, contentType: string) => {
    const res = await fetch(`${h.url}/webhooks/email`, { method: 'POST', headers: { 'content-type': contentType, authorization: EMAIL_WEBHOOK_AUTH }, body });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as Record<string, unknown> };
  };
  const received = () => h.events.filter((e): e is Received => e.type === 'message.received');
  return { h, tenant, dir, post, received };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('POST /webhooks/email: SendGrid Inbound Parse', () => {
  it('parsed mode (default_data.txt): fields become the message; the form is kept as the original', async () => {
    const s = await setup();
    const body = sendgridSample('default_data.txt');
    const answer = await s.post(body, FORM);
    expect(answer).toMatchObject({ status: 200, json: { status: 'accepted' } });
    await eventually('the message event', () => s.received().length === 1);
    const event = s.received()[0]!;
    expect(event.tenant).toBe(s.tenant);
    expect(event.data).toMatchObject({ channel: 'email', provider: 'sendgrid', handle: 'test@example.com', subject: 'Testing non-raw', text: 'Hello Twilio SendGrid!' });
    // No Message-ID in the sample: a hash of what was posted, so SendGrid's retry is the same event.
    expect(event.data.providerMessageId).toMatch(/^sha256:/);
    expect(event.time).toBe('2016-08-11T01:10:13.000Z');
    expect(event.data.attachments).toEqual([{ filename: 'sendgrid-inbound-parse.txt', contentType: FORM, size: body.length, storageKey: sha256(body) }]);
    expect(await s.post(body, FORM)).toMatchObject({ status: 200, json: { status: 'duplicate' } });
  });

  it('parsed mode: the HTML part’s quote markup tells where a reply in a language we list no header for ends', async () => {
    const s = await setup();
    const quotes = join(import.meta.dirname, '../../unit/channels/email-quotes');
    const [text, html] = ['txt', 'html'].map((ext) => readFileSync(join(quotes, `html-gmail-unknown-lang.${ext}`), 'utf8').replace(/\r?\n/g, '\r\n'));
    const form = sendgridSample('default_data.txt')
      .toString('latin1')
      .replace('Hello Twilio SendGrid!\r\n\r\n--xYzZY', `${text}\r\n--xYzZY`)
      .replace('<html><body><strong>Hello Twilio SendGrid!</body></html>', html!);
    expect(await s.post(Buffer.from(form, 'utf8'), FORM)).toMatchObject({ status: 200, json: { status: 'accepted' } });
    await eventually('the message event', () => s.received().length === 1);
    expect(s.received()[0]!.data.text).toBe('Teşekkürler, sorun çözüldü.');
  });

  it('raw mode (raw_data.txt): the `email` field is the MIME message', async () => {
    const s = await setup();
    expect(await s.post(sendgridSample('raw_data.txt'), FORM)).toMatchObject({ status: 200, json: { status: 'accepted' } });
    await eventually('the message event', () => s.received().length === 1);
    expect(s.received()[0]!.data).toMatchObject({ provider: 'sendgrid', handle: 'test@example.com', subject: 'Inbound Parse Test Raw Data', text: 'Hello Twilio SendGrid!' });
    expect(s.received()[0]!.data.attachments?.map((a) => [a.filename, a.contentType])).toEqual([['original.eml', 'message/rfc822']]);
  });

  it('raw mode with an attachment (raw_data_with_attachments.txt): the JPEG is stored aside', async () => {
    const s = await setup();
    expect(await s.post(sendgridSample('raw_data_with_attachments.txt'), FORM)).toMatchObject({ status: 200, json: { status: 'accepted' } });
    await eventually('the message event', () => s.received().length === 1);
    const [jpeg, original] = s.received()[0]!.data.attachments!;
    expect(jpeg).toMatchObject({ filename: 'SendGrid.jpg', contentType: 'image/jpeg' });
    const stored = readFileSync(join(s.dir, jpeg!.storageKey!));
    expect(stored.length).toBe(jpeg!.size);
    expect(stored.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(original!.filename).toBe('original.eml');
  });

  it('a form that is neither mode, or not a form at all, is answered 400 and kept with the reason', async () => {
    const s = await setup();
    const empty = Buffer.from('--xYzZY\r\nContent-Disposition: form-data; name="SPF"\r\n\r\npass\r\n--xYzZY--\r\n');
    const answer = await s.post(empty, FORM);
    expect(answer).toMatchObject({ status: 400, json: { error: 'email_rejected' } });
    expect(answer.json.message).toMatch(/neither an "email" field/);
    const broken = await s.post('this is not multipart', 'multipart/form-data');
    expect(broken.status).toBe(400);
    const rejected = await s.h.rejected();
    expect(rejected.map((r) => r.provider)).toEqual(['sendgrid', 'sendgrid']);
    expect(rejected[0]!.body).toBe(empty.toString());
    expect(rejected[1]!.reason).toMatch(/not a readable e-mail/);
  });
});

describe('POST /webhooks/email: message/rfc822', () => {
  it('the chatwoot Arabic auto-reply: tenant from the To sub-address, auto-reply, token thread', async () => {
    const s = await setup();
    const raw = readFileSync(join(fixtures, 'email-chatwoot/non_utf_encoded_mail.eml'));
    expect(await s.post(raw, 'message/rfc822')).toMatchObject({ status: 200, json: { status: 'accepted' } });
    await eventually('the message event', () => s.received().length === 1);
    expect(s.received()[0]!.data).toMatchObject({
      provider: 'smtp',
      subject: 'أهلين عميلنا الكريم',
      automated: 'auto-reply',
      threadKey: 'token:6bdc3f4d-0bec-4515-a284-5d916fdde489',
    });
  });

  it('mail for no support address is answered 400 and kept', async () => {
    const s = await setup();
    const raw = readFileSync(join(fixtures, 'email-mikel-mail/rfc2822/example01.eml'));
    const answer = await s.post(raw, 'message/rfc822');
    expect(answer.status).toBe(400);
    expect(answer.json.message).toMatch(/no recipient is a support address/);
    // An empty body is an empty message: refused and kept too.
    expect((await s.post('', 'message/rfc822')).status).toBe(400);
    expect((await s.h.rejected()).map((r) => r.body)).toEqual([raw.toString(), '']);
  });

  it('without the basic-auth password it is refused 403 and nothing is published', async () => {
    const s = await setup();
    const raw = readFileSync(join(fixtures, 'email-chatwoot/non_utf_encoded_mail.eml'));
    for (const authorization of [undefined, `Basic ${Buffer.from('sendgrid:wrong').toString('base64')}`]) {
      const res = await fetch(`${s.h.url}/webhooks/email`, { method: 'POST', headers: { 'content-type': 'message/rfc822', ...(authorization ? { authorization } : {}) }, body: raw });
      expect(res.status).toBe(403);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(s.received()).toEqual([]);
  });

  it('other media types are answered 415', async () => {
    const s = await setup();
    expect((await s.post('{}', 'application/json')).status).toBe(415);
  });
});

describe('POST /webhooks/email while Kafka is unavailable', () => {
  it('answers 503 with Retry-After, and nothing is marked done', async () => {
    const { config, dir } = emailConfig();
    await provisionTopics(config, testLogger);
    const redis = new Redis(config.redis.url);
    const down = unreachableEventLog(config.kafka.topics.events);
    const ctx = await buildChannelContext({ config, redis, eventLog: down, logger: testLogger });
    const app = createApiServer({ config, redis, eventLog: down, logger: testLogger, extensions: [(scope) => emailRoutes(scope, ctx)] });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await app.inject({ method: 'POST', url: '/webhooks/email', headers: { 'content-type': FORM, authorization: EMAIL_WEBHOOK_AUTH }, payload: sendgridSample('raw_data.txt') });
        expect(res.statusCode).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.json()).toMatchObject({ error: 'log_unavailable' });
      }
    } finally {
      await app.close();
      await ctx.rejected.close();
      for (const key of await redis.keys(`cs:id:{${config.instance}:*`)) await redis.unlink(key);
      redis.disconnect();
      const admin = createKafka(config.kafka, testLogger).admin();
      await admin.connect();
      await admin.deleteTopics({ topics: Object.values(config.kafka.topics) }).catch(() => undefined);
      await admin.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

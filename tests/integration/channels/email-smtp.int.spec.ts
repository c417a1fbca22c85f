import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../events/index.ts';
import { buildChannelContext } from '../../../src/channels/build.ts';
import { startSmtpListener, type SmtpListener } from '../../../src/channels/email/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { provisionTopics } from '../../../src/log/topics.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { testConfig } from '../../support/engine.ts';
import { testLogger, unreachableEventLog } from '../../support/kafka.ts';

const fixtures = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
const SUPPORT = 'support@acme.test';

/** A test config whose support address belongs to a tenant of its own; attachments in a temp folder. */
function emailConfig(overrides: { maxMessageBytes?: number } = {}): { config: Config; tenant: string; dir: string } {
  const base = testConfig();
  const tenant = `em-${nanoid(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const dir = mkdtempSync(join(tmpdir(), 'email-smtp-'));
  const email = base.channels.email;
  const config: Config = {
    ...base,
    channels: {
      ...base.channels,
      attachments: { dir, maxBytes: 1024 * 1024 },
      email: { ...email, smtp: { ...email.smtp, maxMessageBytes: overrides.maxMessageBytes ?? email.smtp.maxMessageBytes }, addresses: { [SUPPORT]: tenant } },
    },
  };
  return { config, tenant, dir };
}

interface Setup {
  h: ChannelHarness;
  smtp: SmtpListener;
  tenant: string;
  dir: string;
  send(mail: SendMailOptions): Promise<SMTPTransport.SentMessageInfo>;
  received(): Array<Extract<AnyEvent, { type: 'message.received' }>>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function transport(port: number) {
  // Plain SMTP on loopback; one connection per message so every test sees whole sessions.
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: false });
}

async function setup(overrides: { maxMessageBytes?: number } = {}): Promise<Setup> {
  const { config, tenant, dir } = emailConfig(overrides);
  const h = await startChannelHarness(config, []);
  const smtp = await startSmtpListener(h.ctx, { host: '127.0.0.1', port: 0 });
  const mailer = transport(smtp.port);
  cleanups.push(async () => {
    mailer.close();
    await smtp.close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    h,
    smtp,
    tenant,
    dir,
    send: (mail) => mailer.sendMail(mail),
    received: () => h.events.filter((e): e is Extract<AnyEvent, { type: 'message.received' }> => e.type === 'message.received'),
  };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('SMTP listener', () => {
  it('a message becomes message.received (and customer.identified), answered 250 once on Kafka', async () => {
    const s = await setup();
    const info = await s.send({ from: 'Jane Doe <Jane@Example.com>', to: SUPPORT, subject: 'Order #1001', text: 'My order never arrived.\n\n-- \nJane' });
    expect(info.response).toMatch(/^250 OK: accepted as \S+/);
    await eventually('the message event', () => s.received().length === 1);
    const event = s.received()[0]!;
    expect(event.tenant).toBe(s.tenant);
    expect(event.data).toMatchObject({ channel: 'email', provider: 'smtp', handle: 'jane@example.com', subject: 'Order #1001', text: 'My order never arrived.', providerMessageId: info.messageId, threadKey: info.messageId });
    expect(event.data.attachments?.map((a) => a.filename)).toEqual(['original.eml']);
    expect(s.h.events.some((e) => e.type === 'customer.identified' && e.customer === event.customer)).toBe(true);
    expect(info.response).toContain(event.id);
  });

  it('a reply is threaded by In-Reply-To/References into the first message\'s thread, quote stripped', async () => {
    const s = await setup();
    const first = await s.send({ from: 'jane@example.com', to: SUPPORT, subject: 'Refund', text: 'I want a refund.' });
    const reply = await s.send({
      from: 'jane@example.com',
      to: SUPPORT,
      subject: 'Re: Refund',
      inReplyTo: first.messageId,
      references: [first.messageId],
      text: 'Any news?\n\nOn Mon, 5 Jan 2026 at 09:00, Jane <jane@example.com> wrote:\n> I want a refund.',
    });
    await eventually('both messages', () => s.received().length === 2);
    const second = s.received().find((e) => e.data.providerMessageId === reply.messageId)!;
    expect(second.data).toMatchObject({ threadKey: first.messageId, inReplyTo: first.messageId, text: 'Any news?' });
    expect(second.customer).toBe(s.received().find((e) => e.data.providerMessageId === first.messageId)!.customer);
  });

  it('an attachment: metadata in the event, its bytes stored aside under their SHA-256', async () => {
    const s = await setup();
    const pdf = Buffer.from('%PDF-1.4\n% not really a pdf, but bytes are bytes\n');
    await s.send({ from: 'jane@example.com', to: SUPPORT, subject: 'Invoice', text: 'See attached.', attachments: [{ filename: 'invoice.pdf', content: pdf, contentType: 'application/pdf' }] });
    await eventually('the message event', () => s.received().length === 1);
    const [attachment, original] = s.received()[0]!.data.attachments!;
    expect(attachment).toEqual({ filename: 'invoice.pdf', contentType: 'application/pdf', size: pdf.length, storageKey: sha256(pdf) });
    expect(readFileSync(join(s.dir, sha256(pdf)))).toEqual(pdf);
    expect(original).toMatchObject({ filename: 'original.eml', contentType: 'message/rfc822' });
    expect(readFileSync(join(s.dir, original!.storageKey!)).toString()).toContain('Subject: Invoice');
  });

  it('a recipient we do not serve is refused at RCPT TO with 550 and a reason', async () => {
    const s = await setup();
    const refused = await s.send({ from: 'jane@example.com', to: 'sales@acme.test', subject: 'Hi', text: 'Hello' }).catch((err: unknown) => err);
    expect(refused).toMatchObject({ responseCode: 550 });
    expect((refused as Error).message).toMatch(/sales@acme\.test is not a support address/);
    // With one good recipient among others, only the others are refused and the message goes through.
    const info = await s.send({ from: 'jane@example.com', to: [SUPPORT, 'sales@acme.test'], subject: 'Hi', text: 'Hello' });
    expect(info.accepted).toEqual([SUPPORT]);
    expect(info.rejected).toEqual(['sales@acme.test']);
    await eventually('one message event', () => s.received().length === 1);
  });

  it('the chatwoot Arabic auto-reply (envelope recipient decides): automated auto-reply, subject decoded', async () => {
    const s = await setup();
    const raw = readFileSync(join(fixtures, 'email-chatwoot/non_utf_encoded_mail.eml'));
    const info = await s.send({ envelope: { from: 'example@gmail.com', to: [SUPPORT] }, raw });
    expect(info.response).toMatch(/^250 /);
    await eventually('the message event', () => s.received().length === 1);
    expect(s.received()[0]!.data).toMatchObject({
      handle: 'example@gmail.com',
      subject: 'أهلين عميلنا الكريم',
      automated: 'auto-reply',
      inReplyTo: '<4e6e35f5a38b4_479f13bb90078178@small-app-01.mail>',
    });
  });

  it('a re-delivery of the same message is answered 250 and not published again', async () => {
    const s = await setup();
    const raw = Buffer.from('From: jane@example.com\r\nTo: support@acme.test\r\nMessage-ID: <same-1@example.com>\r\nSubject: twice\r\n\r\nHello\r\n');
    await s.send({ envelope: { from: 'jane@example.com', to: [SUPPORT] }, raw });
    const again = await s.send({ envelope: { from: 'jane@example.com', to: [SUPPORT] }, raw });
    expect(again.response).toMatch(/^250 OK: already received as /);
    await eventually('the message event', () => s.received().length === 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(s.received()).toHaveLength(1);
  });

  it('a message that cannot become an event is refused with 554 naming the problem, and kept on the rejected-input topic', async () => {
    const s = await setup();
    const raw = Buffer.from('To: support@acme.test\r\nSubject: who am I\r\n\r\nno sender\r\n');
    const refused = await s.send({ envelope: { from: 'bounces@example.com', to: [SUPPORT] }, raw }).catch((err: unknown) => err);
    expect(refused).toMatchObject({ responseCode: 554 });
    expect((refused as Error).message).toMatch(/no From header/);
    const rejected = await s.h.rejected();
    expect(rejected).toEqual([{ reason: 'the message has no From header', provider: 'smtp', body: raw.toString() }]);
  });

  it('a message over maxMessageBytes is refused with 552', async () => {
    const s = await setup({ maxMessageBytes: 4096 });
    const refused = await s.send({ from: 'jane@example.com', to: SUPPORT, subject: 'big', text: 'x'.repeat(10_000) }).catch((err: unknown) => err);
    expect(refused).toMatchObject({ responseCode: 552 });
    expect(s.received()).toHaveLength(0);
  });
});

describe('SMTP listener while Kafka is unavailable', () => {
  it('answers DATA with 451, so the sending MTA retries; the retry is processed in full', async () => {
    const { config, tenant, dir } = emailConfig();
    await provisionTopics(config, testLogger);
    const redis = new Redis(config.redis.url);
    // Redis and the rejected-input sink are real; only the event log's broker is unreachable.
    const down = unreachableEventLog(config.kafka.topics.events);
    const ctx = await buildChannelContext({ config, redis, eventLog: down, logger: testLogger });
    const smtp = await startSmtpListener(ctx, { host: '127.0.0.1', port: 0 });
    const mailer = transport(smtp.port);
    try {
      const raw = Buffer.from(`From: jane@example.com\r\nTo: ${SUPPORT}\r\nMessage-ID: <down-1@example.com>\r\nSubject: hi\r\n\r\nHello\r\n`);
      for (let attempt = 0; attempt < 2; attempt++) {
        const deferred = await mailer.sendMail({ envelope: { from: 'jane@example.com', to: [SUPPORT] }, raw }).catch((err: unknown) => err);
        expect(deferred).toMatchObject({ responseCode: 451 });
        expect((deferred as Error).message).toMatch(/try again later/);
      }
      expect(await redis.keys(`cs:in:{${config.instance}:${tenant}}:*`)).toEqual([]);
    } finally {
      mailer.close();
      await smtp.close();
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

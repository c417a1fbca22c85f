import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRawMail, toInboundMessages, type MailResult, type MailSettings } from '../../../src/channels/email/parse.ts';
import { AttachmentStore } from '../../../src/attachments/store.ts';

const fixtures = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
const fixture = (path: string) => readFileSync(join(fixtures, path));
const dir = mkdtempSync(join(tmpdir(), 'email-parse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const receivedAt = new Date('2026-01-05T12:00:00.000Z');
const settings = (maxAttachmentBytes = 1024 * 1024): MailSettings => ({
  addresses: { 'support@acme.test': 'acme', 'reply@example.com': 'chatwoot' },
  store: new AttachmentStore(dir),
  maxAttachmentBytes,
});

async function parse(raw: Buffer, envelope: string[] = ['support@acme.test'], s = settings()): Promise<MailResult> {
  const source = { provider: 'smtp' as const, original: { content: raw, filename: 'original.eml', contentType: 'message/rfc822' }, envelopeRecipients: envelope, receivedAt };
  return toInboundMessages(await parseRawMail(raw), source, s);
}

async function one(raw: Buffer, envelope?: string[], s?: MailSettings) {
  const result = await parse(raw, envelope, s);
  if (!result.ok) throw new Error(result.reason);
  expect(result.messages).toHaveLength(1);
  return result.messages[0]!;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('an e-mail as an InboundMessage', () => {
  it('the chatwoot Arabic auto-reply: decoded subject and text, auto-reply, last In-Reply-To, token thread', async () => {
    const raw = fixture('email-chatwoot/non_utf_encoded_mail.eml');
    // No envelope: the To header (a +token sub-address of a support address) decides.
    const m = await one(raw, []);
    expect(m).toMatchObject({
      tenant: 'chatwoot',
      channel: 'email',
      provider: 'smtp',
      from: 'example@gmail.com',
      subject: 'أهلين عميلنا الكريم',
      automated: 'auto-reply',
      providerMessageId: '<CAEjnyt3uiyywAF3SrJzEedMRV5H5XG4aYvFrGdFwxtuGoRCc0w@mail.gmail.com>',
      inReplyTo: '<4e6e35f5a38b4_479f13bb90078178@small-app-01.mail>',
      threadKey: 'token:6bdc3f4d-0bec-4515-a284-5d916fdde489',
      time: '2022-04-03T18:48:20.000Z',
    });
    expect(m.text).toMatch(/^أنظروا، أنا أحتاجها/);
    expect(m.attachments).toEqual([{ filename: 'original.eml', contentType: 'message/rfc822', size: raw.length, storageKey: sha256(raw) }]);
    expect(readFileSync(join(dir, sha256(raw)))).toEqual(raw);
  });

  it('a reply: thread root is the first References id, inReplyTo the In-Reply-To id', async () => {
    const m = await one(fixture('email-mikel-mail/plain_emails/raw_email_reply.eml'));
    expect(m).toMatchObject({
      tenant: 'acme',
      from: 'xxxxxxxx@xxx.org',
      subject: 'Re: Test reply email',
      providerMessageId: '<473FFE27.20003@xxx.org>',
      threadKey: '<473FF3B8.9020707@xxx.org>',
      inReplyTo: '<348F04F142D69C21-291E56D292BC@xxxx.net>',
    });
    expect(m.automated).toBeUndefined();
  });

  it('a first message is its own thread root; In-Reply-To alone is the root when there are no References', async () => {
    expect((await one(fixture('email-mikel-mail/rfc2822/example01.eml'))).threadKey).toBe('<1234@local.machine.example>');
    expect((await one(fixture('email-mikel-mail/rfc2822/example14.eml'))).threadKey).toBe('<rid_5582199198@msgid.example.com>');
  });

  it('attachments: metadata in the event, content stored under its SHA-256; too large ones keep metadata only', async () => {
    const raw = fixture('email-mikel-mail/attachment_emails/attachment_pdf.eml');
    const m = await one(raw);
    const [pdf, original] = m.attachments!;
    expect(pdf).toMatchObject({ filename: 'broken.pdf', contentType: 'application/pdf', size: 1026 });
    expect(readFileSync(join(dir, pdf!.storageKey!)).length).toBe(1026);
    expect(original).toMatchObject({ filename: 'original.eml', contentType: 'message/rfc822', storageKey: sha256(raw) });

    const small = await one(raw, undefined, settings(1000));
    expect(small.attachments![0]).toEqual({ filename: 'broken.pdf', contentType: 'application/pdf', size: 1026 });
    expect(small.attachments![1]!.storageKey).toBe(sha256(raw));
  });

  it('inline parts keep their Content-ID; unnamed parts get a name', async () => {
    const m = await one(fixture('email-mikel-mail/attachment_emails/attachment_content_location.eml'));
    expect(m.attachments![0]).toMatchObject({ filename: 'attachment-1', contentType: 'image/jpeg' });
  });

  it('a DSN is a bounce', async () => {
    const m = await one(fixture('email-mikel-mail/multipart_report_emails/report_530.eml'));
    expect(m.automated).toBe('bounce');
  });

  it('decodes ISO-2022-JP, Shift_JIS and ks_c_5601-1987 bodies', async () => {
    expect((await one(fixture('email-mikel-mail/multi_charset/japanese_iso_2022.eml'))).text).toBe('すみません。');
    expect((await one(fixture('email-mikel-mail/multi_charset/japanese_shift_jis.eml'))).text).toMatch(/^あいうえお/);
    expect((await one(fixture('email-mikel-mail/multi_charset/ks_c_5601-1987.eml'))).text).toBe('스티해');
  });

  it('strips the signature of a reply', async () => {
    expect((await one(fixture('email-mikel-mail/multi_charset/japanese.eml'))).text).toBe('かきくえこ');
  });

  it('without a Message-ID: a hash of the bytes, the same whatever the line endings', async () => {
    const raw = fixture('email-mikel-mail/multi_charset/japanese_iso_2022.eml');
    const crlf = Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
    const lf = Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    const a = await one(crlf);
    expect(a.providerMessageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await one(lf)).providerMessageId).toBe(a.providerMessageId);
    expect(a.threadKey).toBe(a.providerMessageId);
  });

  it('an unusable Date header gives the receipt time', async () => {
    expect((await one(fixture('email-mikel-mail/error_emails/bad_date_header.eml'))).time).toBe(receivedAt.toISOString());
    expect((await one(fixture('email-mikel-mail/plain_emails/raw_email_bad_time.eml'))).time).toBe(receivedAt.toISOString());
  });

  it('our +c<conversation> sub-address and the X-CS-Conversation header give the same thread key', async () => {
    const mail = (extra: string) =>
      Buffer.from(`From: Jane <jane@example.com>\r\nTo: support@acme.test\r\n${extra}Message-ID: <r1@example.com>\r\nIn-Reply-To: <out1@acme.test>\r\nSubject: Re: order\r\n\r\nThanks!\r\n`);
    expect((await one(mail(''), ['support+cV1StGXR8_Z5jdHi6B@acme.test'])).threadKey).toBe('token:cV1StGXR8_Z5jdHi6B');
    expect((await one(mail('X-CS-Conversation: V1StGXR8_Z5jdHi6B\r\n'))).threadKey).toBe('token:cV1StGXR8_Z5jdHi6B');
  });

  it('refuses mail without a usable From, and mail for no support address, with a reason', async () => {
    const noFrom = await parse(fixture('email-mikel-mail/error_emails/bad_encoded_subject.eml'));
    expect(noFrom).toMatchObject({ ok: false, tenant: 'acme' });
    expect(!noFrom.ok && noFrom.reason).toMatch(/From/);
    const notOurs = await parse(fixture('email-mikel-mail/rfc2822/example01.eml'), []);
    expect(notOurs).toMatchObject({ ok: false, tenant: null });
    expect(!notOurs.ok && notOurs.reason).toMatch(/no recipient is a support address/);
  });

  it('cuts a very long body (the original keeps it whole)', async () => {
    const raw = Buffer.from(`From: jane@example.com\r\nTo: support@acme.test\r\nSubject: log\r\n\r\n${'x'.repeat(200_000)}\r\n`);
    const m = await one(raw);
    expect(m.text.length).toBeLessThan(70 * 1024);
    expect(m.text).toMatch(/original\.eml/);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../events/index.ts';
import { actionRoutes } from '../../../src/api/actions/routes.ts';
import { uploadKeys } from '../../../src/projections/keys.ts';
import { AttachmentStore } from '../../../src/attachments/store.ts';
import type { Config } from '../../../src/config/schema.ts';
import { mediaLinks } from '../../../src/http/media-links.ts';
import { chatKeys } from '../../../src/projections/keys.ts';
import { eventually } from '../../support/collect.ts';
import { API_KEY, outboundConfig, startEngine, startProviderApis, startSmtpSink, statusesOf, TENANT } from './support.ts';

let config: Config;
let apis: Awaited<ReturnType<typeof startProviderApis>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let engine: Awaited<ReturnType<typeof startEngine>>;
let dir: string;
let redis: Redis;

/** Where links point: not the test server, which shows the links are built from channels.publicUrl. */
const PUBLIC_URL = 'https://cs.example.test';
const MAX_BYTES = 6 * 1024 * 1024;
/** Short, so the trickled upload's deadline comes soon; every other request is done well within it. */
const BODY_TIMEOUT_MS = 2_000;
const auth = { authorization: `Bearer ${API_KEY}` };
const time = () => new Date().toISOString();

/** Bytes that start as the type says (providers and mail clients sniff), then random, so each file is new to the store. */
const pngBytes = (size = 4096) => Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), randomBytes(size - 16)]);
const pdfBytes = (size = 6000) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(size - 9)]);

beforeAll(async () => {
  apis = await startProviderApis();
  smtp = await startSmtpSink();
  dir = await mkdtemp(join(tmpdir(), 'cs-attachments-'));
  const base = outboundConfig({ providerUrl: apis.url, smtpPort: smtp.port });
  config = { ...base, http: { ...base.http, bodyTimeoutMs: BODY_TIMEOUT_MS }, channels: { ...base.channels, publicUrl: PUBLIC_URL, attachments: { dir, maxBytes: MAX_BYTES } } };
  engine = await startEngine(config, [actionRoutes]);
  redis = new Redis(config.redis.url);
});

afterAll(async () => {
  await engine?.close();
  await apis?.close();
  await smtp?.close();
  if (redis) {
    await redis.del(uploadKeys(config.instance).uploads(TENANT));
    redis.disconnect();
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Uploaded {
  key: string;
  filename: string;
  contentType: string;
  size: number;
}

async function upload(parts: Array<{ bytes: Buffer; filename: string; type: string }>): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  for (const part of parts) form.append('file', new Blob([new Uint8Array(part.bytes)], { type: part.type }), part.filename);
  const response = await fetch(`${engine.harness.url}/v1/attachments`, { method: 'POST', headers: auth, body: form });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function uploaded(bytes: Buffer, filename: string, type: string): Promise<Uploaded> {
  const answer = await upload([{ bytes, filename, type }]);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body as unknown as Uploaded;
}

const asReply = (files: Uploaded[]) => files.map(({ key, filename, contentType }) => ({ key, filename, contentType }));

async function customerWrites(message: { channel: 'email' | 'sms' | 'chat' | 'social'; provider: string; from: string; text: string; subject?: string }) {
  const outcome = await engine.harness.ctx.ingestor.ingest({ tenant: TENANT, time: time(), ...message });
  if (outcome.status !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(outcome)}`);
  const conversationId = `cv_${outcome.eventId}`;
  await engine.conversation(conversationId);
  return conversationId;
}

const reply = (conversationId: string, body: Record<string, unknown>) => engine.api('POST', `/v1/conversations/${conversationId}/messages`, { authorId: 'agent-7', ...body });

/** GETs a link we sent on the test server: its path and query are what is signed, whatever the host. */
async function fetchLink(link: string, method = 'GET') {
  expect(link.startsWith(`${PUBLIC_URL}/media/`), link).toBe(true);
  const url = new URL(link);
  return fetch(`${engine.harness.url}${url.pathname}${url.search}`, { method });
}

type MessageSent = Extract<AnyEvent, { type: 'message.sent' }>;
const messagesSentIn = (conversationId: string) => engine.harness.events.filter((e): e is MessageSent => e.type === 'message.sent' && e.conversation === conversationId);
const sentOnLog = (messageId: string) => engine.harness.events.find((e) => e.type === 'message.sent' && e.data.messageId === messageId);

describe('POST /v1/attachments', () => {
  it('stores the file and answers its key (the SHA-256 of the bytes), name, type and size; the key is remembered as the tenant’s', async () => {
    const bytes = pngBytes();
    const answer = await upload([{ bytes, filename: 'C:\\Users\\ann\\label.png', type: 'image/png' }]);
    expect(answer).toEqual({ status: 201, body: { key: createHash('sha256').update(bytes).digest('hex'), filename: 'label.png', contentType: 'image/png', size: bytes.length } });
    expect(await new AttachmentStore(dir).size(answer.body.key as string)).toBe(bytes.length);
    expect(await redis.sismember(uploadKeys(config.instance).uploads(TENANT), answer.body.key as string)).toBe(1);
  });

  it('refuses a form without a file, an empty file, two files, a file over channels.attachments.maxBytes, and a JSON body, each named', async () => {
    const noFile = new FormData();
    noFile.append('note', 'hello');
    const none = await fetch(`${engine.harness.url}/v1/attachments`, { method: 'POST', headers: auth, body: noFile });
    expect({ status: none.status, body: await none.json() }).toMatchObject({ status: 400, body: { error: 'no_file' } });

    expect(await upload([{ bytes: Buffer.alloc(0), filename: 'empty.txt', type: 'text/plain' }])).toMatchObject({ status: 400, body: { error: 'empty_file', message: expect.stringContaining('"empty.txt" is empty') } });
    expect(await upload([{ bytes: pngBytes(), filename: 'a.png', type: 'image/png' }, { bytes: pngBytes(), filename: 'b.png', type: 'image/png' }])).toMatchObject({
      status: 400,
      body: { error: 'one_file_only' },
    });
    expect(await upload([{ bytes: randomBytes(MAX_BYTES + 1), filename: 'huge.bin', type: 'application/octet-stream' }])).toMatchObject({
      status: 413,
      body: { error: 'file_too_large', maxBytes: MAX_BYTES, message: expect.stringContaining(`${MAX_BYTES} bytes`) },
    });
    expect(await engine.api('POST', '/v1/attachments', { file: 'aGVsbG8=' })).toMatchObject({ status: 415, body: { error: 'not_multipart' } });
    expect((await fetch(`${engine.harness.url}/v1/attachments`, { method: 'POST', body: new FormData() })).status).toBe(401);
  });

  it('answers an upload whose body stops arriving 408, like every other body (the multipart reader reads the request itself)', async () => {
    const boundary = 'cs-trickle';
    const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="slow.png"\r\ncontent-type: image/png\r\n\r\n`;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${engine.harness.url}/v1/attachments`, {
        method: 'POST',
        headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + 100_000) },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      // A part of the body, then nothing: the rest never comes.
      req.write(head + 'x'.repeat(1000));
    });
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'request_timeout' });
  });
});

describe('a reply with files, on each channel', () => {
  it('e-mail: the mail carries both files, byte for byte, and message.sent names them with their store keys', async () => {
    const conversationId = await customerWrites({ channel: 'email', provider: 'smtp', from: 'ann@example.com', text: 'Can I have the invoice?', subject: 'Invoice' });
    const png = pngBytes();
    const pdf = pdfBytes();
    const files = [await uploaded(png, 'label.png', 'image/png'), await uploaded(pdf, 'invoice 1001.pdf', 'application/pdf')];

    const answer = await reply(conversationId, { text: 'Both attached.', attachments: asReply(files) });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    const { messageId } = answer.body as { messageId: string };

    await eventually('the mail', () => smtp.mails.some((m) => m.headers.get('message-id') === `<${messageId}@acme.test>`));
    const mail = await simpleParser(smtp.mails.find((m) => m.headers.get('message-id') === `<${messageId}@acme.test>`)!.raw);
    expect(mail.text?.trim()).toBe('Both attached.');
    expect(mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType }))).toEqual([
      { filename: 'label.png', contentType: 'image/png' },
      { filename: 'invoice 1001.pdf', contentType: 'application/pdf' },
    ]);
    expect(mail.attachments[0]!.content.equals(png)).toBe(true);
    expect(mail.attachments[1]!.content.equals(pdf)).toBe(true);

    expect(sentOnLog(messageId)?.data).toMatchObject({
      text: 'Both attached.',
      attachments: files.map((f) => ({ filename: f.filename, contentType: f.contentType, size: f.size, storageKey: f.key })),
    });
    await eventually('sent', () => statusesOf(engine.harness.events, messageId).some((s) => s.status === 'sent'));
  });

  it('SMS: Twilio gets one MediaUrl per file, signed links that answer the same bytes and type (HEAD too)', async () => {
    const conversationId = await customerWrites({ channel: 'sms', provider: 'twilio', from: '+14155550140', text: 'Photo of the label please' });
    const png = pngBytes();
    const pdf = pdfBytes();
    const files = [await uploaded(png, 'label.png', 'image/png'), await uploaded(pdf, 'invoice.pdf', 'application/pdf')];

    // No text at all: the files are the message.
    const answer = await reply(conversationId, { text: '', attachments: asReply(files) });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    await eventually('the Twilio call', () => apis.calls.some((c) => new URLSearchParams(c.body).get('To') === '+14155550140'));
    const form = new URLSearchParams(apis.calls.find((c) => new URLSearchParams(c.body).get('To') === '+14155550140')!.body);
    expect(form.has('Body')).toBe(false);
    const urls = form.getAll('MediaUrl');
    expect(urls).toHaveLength(2);

    for (const [i, bytes] of [png, pdf].entries()) {
      const fetched = await fetchLink(urls[i]!);
      expect(fetched.status).toBe(200);
      expect(fetched.headers.get('content-type')).toBe(files[i]!.contentType);
      expect(fetched.headers.get('content-disposition')).toContain(`filename="${files[i]!.filename}"`);
      expect(Buffer.from(await fetched.arrayBuffer()).equals(bytes)).toBe(true);
      const head = await fetchLink(urls[i]!, 'HEAD');
      expect({ status: head.status, type: head.headers.get('content-type') }).toEqual({ status: 200, type: files[i]!.contentType });
    }
  });

  it('WhatsApp through Twilio: one media a message, the text with the first, only the first asking for status callbacks', async () => {
    const conversationId = await customerWrites({ channel: 'social', provider: 'twilio-whatsapp', from: '+14155550144', text: 'The label?' });
    const files = [await uploaded(pngBytes(), 'label.png', 'image/png'), await uploaded(pdfBytes(), 'invoice.pdf', 'application/pdf')];

    expect((await reply(conversationId, { text: 'Label and invoice', attachments: asReply(files) })).status).toBe(202);
    const sends = () => apis.calls.filter((c) => c.method === 'POST' && new URLSearchParams(c.body).get('To') === 'whatsapp:+14155550144');
    await eventually('two Twilio messages', () => sends().length === 2);
    const [first, second] = sends().map((c) => ({ form: new URLSearchParams(c.body), token: c.idempotencyToken }));
    expect(first!.form.get('Body')).toBe('Label and invoice');
    expect(first!.form.getAll('MediaUrl')).toHaveLength(1);
    expect(first!.form.has('StatusCallback')).toBe(true);
    expect(second!.form.has('Body')).toBe(false);
    expect(second!.form.has('StatusCallback')).toBe(false);
    expect(second!.token).toBe(`${first!.token}/media-1`);
    const fetched = await fetchLink(second!.form.get('MediaUrl')!);
    expect({ status: fetched.status, type: fetched.headers.get('content-type') }).toEqual({ status: 200, type: 'application/pdf' });
  });

  it('WhatsApp: an image message captioned with the text and a document message, each with a working link', async () => {
    const conversationId = await customerWrites({ channel: 'social', provider: 'whatsapp', from: '+14155550141', text: 'Send me the invoice' });
    const png = pngBytes();
    const pdf = pdfBytes();
    const files = [await uploaded(png, 'label.png', 'image/png'), await uploaded(pdf, 'invoice.pdf', 'application/pdf')];

    const answer = await reply(conversationId, { text: 'Here you are', attachments: asReply(files) });
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    const { messageId } = answer.body as { messageId: string };
    const sends = () => apis.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/messages') && (JSON.parse(c.body) as { to?: string }).to === '14155550141');
    await eventually('two WhatsApp messages', () => sends().length === 2);
    const [image, document] = sends().map((c) => JSON.parse(c.body) as Record<string, { link: string; caption?: string; filename?: string }> & { type: string });
    expect(image).toMatchObject({ type: 'image', image: { caption: 'Here you are', link: expect.any(String) } });
    expect(document).toMatchObject({ type: 'document', document: { filename: 'invoice.pdf', link: expect.any(String) } });
    expect(document!.document!.caption).toBeUndefined();
    for (const [link, bytes] of [[image!.image!.link, png], [document!.document!.link, pdf]] as const) {
      const fetched = await fetchLink(link);
      expect(fetched.status).toBe(200);
      expect(Buffer.from(await fetched.arrayBuffer()).equals(bytes)).toBe(true);
    }
    await eventually('sent', () => statusesOf(engine.harness.events, messageId).some((s) => s.status === 'sent' && s.providerMessageId?.startsWith('wamid.')));
  });

  it('Messenger: the text, then one message per file, by URL', async () => {
    const conversationId = await customerWrites({ channel: 'social', provider: 'messenger', from: '6543210987654399', text: 'Any pictures?' });
    const png = pngBytes();
    const files = [await uploaded(png, 'front.png', 'image/png'), await uploaded(pdfBytes(), 'specs.pdf', 'application/pdf')];

    expect((await reply(conversationId, { text: 'Two files', attachments: asReply(files) })).status).toBe(202);
    const sends = () => apis.calls.filter((c) => c.path.endsWith('/me/messages') && (JSON.parse(c.body) as { recipient: { id: string } }).recipient.id === '6543210987654399');
    await eventually('three Messenger messages', () => sends().length === 3);
    const messages = sends().map((c) => (JSON.parse(c.body) as { message: Record<string, unknown> }).message);
    expect(messages).toEqual([
      { text: 'Two files' },
      { attachment: { type: 'image', payload: { url: expect.any(String), is_reusable: true } } },
      { attachment: { type: 'file', payload: { url: expect.any(String), is_reusable: true } } },
    ]);
    const fetched = await fetchLink((messages[1]!.attachment as { payload: { url: string } }).payload.url);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(png)).toBe(true);
  });

  it('web chat: the visitor receives the files with their links beside the text', async () => {
    const visitor = `visitor-${randomBytes(8).toString('hex')}`;
    const conversationId = await customerWrites({ channel: 'chat', provider: 'webchat', from: visitor, text: 'Can you send the manual?' });
    const pdf = pdfBytes();
    const [file] = [await uploaded(pdf, 'manual.pdf', 'application/pdf')];

    expect((await reply(conversationId, { text: 'The manual', attachments: asReply([file!]) })).status).toBe(202);
    // Nobody is connected: the reply waits in the visitor's pending list, as the socket would receive it.
    const pending = chatKeys(config.instance).pending(TENANT, visitor);
    await eventually('the chat reply', async () => (await redis.llen(pending)) > 0);
    const delivered = JSON.parse((await redis.lrange(pending, 0, -1))[0]!) as { text: string; attachments: Array<{ filename: string; contentType: string; size: number; url: string }> };
    expect(delivered).toMatchObject({ text: 'The manual', attachments: [{ filename: 'manual.pdf', contentType: 'application/pdf', size: pdf.length, url: expect.any(String) }] });
    const fetched = await fetchLink(delivered.attachments[0]!.url);
    expect(fetched.headers.get('content-disposition')).toBe(`inline; filename="manual.pdf"; filename*=UTF-8''manual.pdf`);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(pdf)).toBe(true);
  });
});

describe('refused before anything is appended', () => {
  it('a file the channel refuses (too large for a WhatsApp image; a type Twilio MMS does not take) is a 422 naming file, channel and rule, and no message.sent', async () => {
    const whatsapp = await customerWrites({ channel: 'social', provider: 'whatsapp', from: '+14155550142', text: 'Photo?' });
    const big = await uploaded(pngBytes(5_200_000), 'big.png', 'image/png');
    const tooBig = await reply(whatsapp, { text: 'Big one', attachments: asReply([big]) });
    expect(tooBig).toEqual({
      status: 422,
      body: {
        error: 'attachment_refused',
        channel: 'WhatsApp',
        attachment: 'big.png',
        message: '"big.png" cannot go out on WhatsApp: it is 5.2 MB and WhatsApp takes images (JPEG, PNG) up to 5 MB',
      },
    });

    const sms = await customerWrites({ channel: 'sms', provider: 'twilio', from: '+14155550143', text: 'The installer?' });
    const exe = await uploaded(randomBytes(3000), 'setup.exe', 'application/x-msdownload');
    const wrongType = await reply(sms, { text: 'Installer', attachments: asReply([exe]) });
    expect(wrongType).toMatchObject({ status: 422, body: { error: 'attachment_refused', channel: 'SMS (Twilio MMS)', attachment: 'setup.exe', message: expect.stringContaining('not application/x-msdownload') } });

    // A later reply on the same customers lands after anything the refused ones could have appended (one key, one partition).
    for (const conversation of [whatsapp, sms]) {
      const later = await reply(conversation, { text: 'Text only, then' });
      expect(later.status).toBe(202);
      await eventually('the later reply', () => sentOnLog((later.body as { messageId: string }).messageId) !== undefined);
      expect(messagesSentIn(conversation).map((e) => e.data.text)).toEqual(['Text only, then']);
    }
  });

  it('a key that is not an upload of the tenant’s (a customer’s file in the shared store, or none at all) is a 422 naming it', async () => {
    const conversationId = await customerWrites({ channel: 'email', provider: 'smtp', from: 'bob@example.com', text: 'Hello', subject: 'Hi' });
    // In the store, as an inbound e-mail's attachment would be, but never uploaded by an agent.
    const key = await new AttachmentStore(dir).put(pdfBytes());
    const refused = await reply(conversationId, { text: 'Forwarding', attachments: [{ key, filename: 'theirs.pdf', contentType: 'application/pdf' }] });
    expect(refused).toMatchObject({ status: 422, body: { error: 'unknown_attachment', attachment: key, message: expect.stringContaining('"theirs.pdf"') } });
    const unknown = await reply(conversationId, { text: 'x', attachments: [{ key: 'f'.repeat(64), filename: 'none.pdf', contentType: 'application/pdf' }] });
    expect(unknown).toMatchObject({ status: 422, body: { error: 'unknown_attachment' } });
  });
});

describe('GET /media/:key/:filename', () => {
  it('a link changed in any part, expired, or unsigned is a 403 with its reason', async () => {
    const file = await uploaded(pngBytes(), 'label.png', 'image/png');
    const sign = (now: Date) => mediaLinks({ publicUrl: PUBLIC_URL, secret: config.http.linkSecret, now: () => now })({ key: file.key, filename: file.filename, contentType: file.contentType });
    const good = sign(new Date());
    expect((await fetchLink(good)).status).toBe(200);

    const forged = [
      good.replace(/s=[^&]+/, `s=${'A'.repeat(43)}`),
      good.replace('label.png', 'other.png'),
      good.replace('t=image%2Fpng', 't=text%2Fhtml'),
      good.replace(/e=(\d+)/, (_m, e: string) => `e=${Number(e) + 3600}`),
      mediaLinks({ publicUrl: PUBLIC_URL, secret: 'another-deployment-secret' })({ key: file.key, filename: file.filename, contentType: file.contentType }),
    ];
    for (const link of forged) {
      const answer = await fetchLink(link);
      expect({ link, status: answer.status, body: await answer.json() }).toMatchObject({ status: 403, body: { error: 'link_invalid', message: expect.stringContaining('not signed by us') } });
    }

    const expired = await fetchLink(sign(new Date(Date.now() - 8 * 24 * 3600 * 1000)));
    expect({ status: expired.status, body: await expired.json() }).toMatchObject({ status: 403, body: { error: 'link_expired', message: expect.stringContaining('expired at') } });
    const unsigned = await fetch(`${engine.harness.url}/media/${file.key}/label.png`);
    expect({ status: unsigned.status, body: await unsigned.json() }).toMatchObject({ status: 403, body: { error: 'link_unsigned' } });
  });
});

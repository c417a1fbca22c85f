import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionRoutes } from '../../../src/api/actions/routes.ts';
import { startSmtpListener, type SmtpListener } from '../../../src/channels/email/index.ts';
import { metaRoutes } from '../../../src/channels/meta/routes.ts';
import { twilioRoutes } from '../../../src/channels/twilio/routes.ts';
import type { Config } from '../../../src/config/schema.ts';
import { eraseCustomer } from '../../../src/erasure/erase.ts';
import { rebuildProjections } from '../../../src/fold/rebuild.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { openText, sealedKeyId } from '../../../src/privacy/index.ts';
import type { SubjectAccessExport } from '../../../src/replay/subject-access.ts';
import { postAsMeta, postAsTwilio, twilioInboundSms } from '../../../scripts/sim/doors.ts';
import { eventually } from '../../support/collect.ts';
import { freePort } from '../../support/free-port.ts';
import { testLogger } from '../../support/kafka.ts';
import { diffDumps, dropNamespace } from '../../support/namespace.ts';
import { dumpNamespacePipelined } from '../../support/namespace-dump.ts';
import { writeConfigDir } from '../../support/workers.ts';
import { ACCOUNT_SID, AUTH_TOKEN, META_ROUTE, outboundConfig, startEngine, TENANT, TWILIO_FROM } from '../outbound/support.ts';

/**
 * The right to be forgotten in a log that never forgets. A person writes by e-mail through the SMTP
 * door (a PDF attached), by MMS through Twilio (a photo) and by WhatsApp through Meta (a picture),
 * an agent merges their two customers, and an admin erases them. Then nothing of theirs is found:
 * not in any Redis key or value of the deployment, not in the topic's raw records, not in the
 * attachment store, not in a fresh rebuild nor an export; the KPI replay is what it was; the live
 * projections still equal a rebuild, byte for byte; and their number writing again is a new customer.
 */
const root = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);
const MARK = randomBytes(8).toString('hex');
const SUPPORT = 'help@acme.test';
const EMAIL = `jane.${MARK}@example.net`;
const NAME = `Jane Roe${MARK}`;
const DIGITS = `4477009${String(10000 + (randomBytes(2).readUInt16BE() % 90000))}`;
const PHONE = `+${DIGITS}`;
const SUBJECT = `Invoice ${MARK} is wrong`;
const MAIL_TEXT = `The invoice ${MARK} charges me twice.`;
const SMS_TEXT = `Here is the parcel, ${MARK}`;
const CAPTION = `The dent on the box ${MARK}`;
const PDF_NAME = `invoice-${MARK}.pdf`;
const pdf = Buffer.from(`%PDF-1.4\n% ${NAME} ${MARK}\n%%EOF\n`);
const photo = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from(`photo of ${MARK}`), randomBytes(512)]);
const jpeg = Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), Buffer.from(`picture of ${MARK}`), randomBytes(512)]);
const APP_SECRET = 'meta-app-secret-for-erasure';
/** Everything that would give the person away, in any spelling the engine might keep. */
const NEEDLES = [MARK, 'refund is on its way', EMAIL, NAME, PHONE, DIGITS, SUBJECT, MAIL_TEXT, SMS_TEXT, CAPTION, PDF_NAME];
const SOMEONE_ELSE = `Someone else entirely: account ${randomBytes(6).toString('hex')}`;

let dir: string;
let config: Config;
let engine: Awaited<ReturnType<typeof startEngine>>;
let smtp: SmtpListener;
let host: { url: string; close(): Promise<void> };
let redis: Redis;
const sentToMeta: string[] = [];
const REPLY = `Sorry about that, ${MARK}: the refund is on its way`;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    if (path.endsWith('/Media/ME1')) return res.writeHead(200, { 'content-type': 'image/png' }).end(photo);
    if (req.method === 'POST' && path === `/v19.0/${META_ROUTE}/messages`) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        sentToMeta.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messaging_product: 'whatsapp', contacts: [{ input: DIGITS, wa_id: DIGITS }], messages: [{ id: `wamid.${randomBytes(12).toString('hex')}` }] }));
      });
      return;
    }
    if (path === '/v19.0/wamedia-erase') {
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messaging_product: 'whatsapp', url: `http://${req.headers.host}/cdn/wamedia-erase`, mime_type: 'image/jpeg', sha256: sha256(jpeg), file_size: jpeg.length, id: 'wamedia-erase' }));
    }
    if (path === '/cdn/wamedia-erase') return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpeg);
    return res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((r) => server.close(() => r())) };
  dir = mkdtempSync(join(tmpdir(), 'cs-erasure-'));
  const base = outboundConfig({ providerUrl: host.url, smtpPort: 2525 });
  config = {
    ...base,
    privacy: { masterKeys: { m1: randomBytes(32).toString('base64') }, activeMasterKey: 'm1', keyCacheMs: 30_000, retentionSweepMs: 3_600_000, retentionGraceMs: 600_000 },
    channels: {
      ...base.channels,
      attachments: { dir, maxBytes: 1024 * 1024 },
      email: { ...base.channels.email, addresses: { [SUPPORT]: TENANT } },
      meta: { ...base.channels.meta, appSecret: APP_SECRET },
    },
  };
  engine = await startEngine(config, [twilioRoutes, metaRoutes, actionRoutes]);
  smtp = await startSmtpListener(engine.harness.ctx, { host: '127.0.0.1', port: await freePort() });
  redis = new Redis(config.redis.url);
}, 90_000);

afterAll(async () => {
  await smtp?.close();
  await engine?.close();
  await host?.close();
  if (redis) {
    await dropNamespace(redis, `${config.fold.namespace}-rebuilt`);
    for (const pattern of [`cs:dk:{${config.instance}:*`, `cs:erase:{${config.instance}:*`]) {
      for (const key of await redis.keys(pattern)) await redis.del(key);
    }
    redis.disconnect();
  }
  rmSync(dir, { recursive: true, force: true });
});

async function mail(): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true });
  await transport.sendMail({ from: `${NAME} <${EMAIL}>`, to: SUPPORT, subject: SUBJECT, text: MAIL_TEXT, attachments: [{ filename: PDF_NAME, content: pdf, contentType: 'application/pdf' }] });
  transport.close();
}

async function sms(from: string, body: string, media?: string): Promise<void> {
  const params = twilioInboundSms({ accountSid: ACCOUNT_SID, messageSid: `MM${randomBytes(16).toString('hex')}`, from, to: TWILIO_FROM, body });
  if (media) Object.assign(params, { NumMedia: '1', MediaUrl0: media, MediaContentType0: 'image/png' });
  expect((await postAsTwilio(engine.harness.url, config.channels.publicUrl, AUTH_TOKEN, '/webhooks/twilio/sms', params)).status).toBe(200);
}

async function whatsapp(): Promise<void> {
  const message = { from: DIGITS, id: `wamid.${randomBytes(12).toString('hex')}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'image', image: { caption: CAPTION, mime_type: 'image/jpeg', sha256: sha256(jpeg), id: 'wamedia-erase' } };
  const body = {
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: META_ROUTE }, contacts: [{ profile: { name: NAME }, wa_id: DIGITS }], messages: [message] } }] }],
  };
  expect((await postAsMeta(engine.harness.url, APP_SECRET, body)).status).toBe(200);
}

const cs = async (...args: string[]) =>
  (await run(process.execPath, [join(root, 'bin/cs.js'), ...args], { cwd: root, env: { ...process.env, CS_CONFIG_DIR: writeConfigDir(config), CS_FROM_SOURCES: '1', LOG_LEVEL: 'silent' }, maxBuffer: 64 * 1024 * 1024 })).stdout;

/** The needles found in a text (empty: nothing of the person). */
const found = (text: string) => NEEDLES.filter((needle) => text.includes(needle));

/** Every key of the deployment (its names all carry the test's id), name and value, as text. */
async function deploymentRedis(): Promise<string> {
  const id = config.instance.slice('test-'.length);
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${id}*`, 'COUNT', 5000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key)
        : type === 'hash' ? await redis.hgetall(key)
        : type === 'set' ? await redis.smembers(key)
        : type === 'zset' ? await redis.zrange(key, '0', '-1')
        : type === 'list' ? await redis.lrange(key, '0', '-1')
        : type === 'stream' ? await redis.xrange(key, '-', '+')
        : null;
      parts.push(key, JSON.stringify(value));
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

/** Every record of the deployment's topics, raw: keys, values and headers as bytes decoded. */
async function topicBytes(): Promise<string> {
  const kafka = createKafka(config.kafka, testLogger);
  const admin = kafka.admin();
  await admin.connect();
  const parts: string[] = [];
  try {
    for (const topic of Object.values(config.kafka.topics)) {
      const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
      const wanted = offsets.filter((o) => BigInt(o.high) > BigInt(o.low));
      if (wanted.length === 0) continue;
      const remaining = new Map(wanted.map((o) => [o.partition, BigInt(o.high)]));
      const consumer = kafka.consumer({ groupId: `raw-${config.instance}-${topic}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((done) => {
        void consumer.run({
          eachMessage: async ({ partition, message }) => {
            parts.push(message.key?.toString('utf8') ?? '', message.value?.toString('utf8') ?? '', JSON.stringify(Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]))));
            if (BigInt(message.offset) + 1n >= remaining.get(partition)!) remaining.delete(partition);
            if (remaining.size === 0) done();
          },
        });
      });
      await consumer.disconnect();
      await admin.deleteGroups([`raw-${config.instance}-${topic}`]).catch(() => undefined);
    }
  } finally {
    await admin.disconnect();
  }
  return parts.join('\n');
}

describe('erasing a customer', () => {
  it('given a person who wrote by e-mail, SMS and WhatsApp with files, when erased, then nothing of theirs is anywhere, the KPIs are unchanged and live equals rebuild', async () => {
    await mail();
    await sms(PHONE, SMS_TEXT, `${host.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM1/Media/ME1`);
    await whatsapp();
    await sms('+14155550999', SOMEONE_ELSE);
    const { identities } = engine.harness.ctx;
    let byMail: string | null = null;
    let byPhone: string | null = null;
    let other: string | null = null;
    await eventually('the three customers known to the doors', async () => {
      [byMail, byPhone, other] = await Promise.all([identities.lookup(TENANT, `email:${EMAIL}`), identities.lookup(TENANT, `phone:${PHONE}`), identities.lookup(TENANT, 'phone:+14155550999')]);
      return byMail !== null && byPhone !== null && other !== null;
    });
    const scope = await engine.reader.scope(TENANT);
    await eventually('folded, the photo and the picture fetched', async () => {
      const [mailer, phone] = [await engine.reader.customers(scope, [byMail!]), await engine.reader.customers(scope, [byPhone!])].map((m, i) => m.get([byMail, byPhone][i]!));
      if (!mailer || !phone || phone.conversationIds.length === 0) return false;
      const [conversation] = await engine.reader.conversations(scope, phone.conversationIds);
      return conversation !== undefined && (await engine.reader.outcomes(scope, conversation)).media.size >= 2;
    }, 30_000);

    // Sealed at the door: the log never held the person in plaintext, yet those allowed read them as written.
    const sealedLog = await topicBytes();
    expect(sealedLog).toContain('"message.received"');
    expect(sealedLog).toContain('enc:v1:');
    expect(found(sealedLog)).toEqual([]);
    const before = await engine.api('GET', `/v1/customers/${byPhone}`);
    expect(JSON.stringify(before.body)).toContain(PHONE);
    expect(JSON.stringify(before.body)).toContain(SMS_TEXT);
    expect(JSON.stringify((await engine.api('GET', `/v1/customers/${byMail}`)).body)).toContain(SUBJECT);
    const byHandle = (handle: string) => engine.api('GET', `/v1/customers?handle=${encodeURIComponent(handle)}`);
    expect(await byHandle(EMAIL.toUpperCase())).toMatchObject({ status: 200, body: { customer: { id: byMail } } });

    // An agent's reply goes back where the person last wrote (WhatsApp), in plaintext to the provider and sealed on the log.
    const smsConversation = (await engine.customer(byPhone!)).conversationIds.at(-1)!;
    expect((await engine.api('POST', `/v1/conversations/${smsConversation}/messages`, { text: REPLY, authorId: 'agent_1' })).status).toBe(202);
    await eventually('the reply at the provider', async () => sentToMeta.some((body) => body.includes(REPLY) && body.includes(DIGITS)));
    expect((await engine.api('GET', `/v1/conversations/${smsConversation}`)).body).toMatchObject({ transcript: expect.arrayContaining([expect.objectContaining({ text: REPLY })]) });

    expect((await engine.api('POST', `/v1/customers/${byMail}/merge`, { from: byPhone })).status).toBe(202);
    await engine.customer(byMail!, (c) => c.mergedFrom.includes(byPhone!));
    const kpis = async () => {
      const report = JSON.parse(await cs('replay', '--kafka', '--format', 'json', '--group-by', 'channel')) as { total: unknown; groups: unknown };
      return { total: report.total, groups: report.groups };
    };
    const kpisBefore = await kpis();
    // An unredacted export carries ciphertext; an admin who must hand plaintext over asks for the keys.
    const exportedBefore = join(dir, '..', `erasure-before-${MARK}.ndjson`);
    await cs('export', '--out', exportedBefore);
    expect(found(readFileSync(exportedBefore, 'utf8'))).toEqual([]);
    const keysOf = async () => {
      const file = join(dir, '..', `erasure-keys-${MARK}.json`);
      await cs('privacy', 'keys', '--export', exportedBefore, '--out', file);
      const { keys } = JSON.parse(readFileSync(file, 'utf8')) as { keys: Record<string, Record<string, string>> };
      rmSync(file);
      return keys[TENANT] ?? {};
    };
    const sealedSms = /"text":"(enc:v1:[^"]+)"/.exec(readFileSync(exportedBefore, 'utf8').split('\n').find((line) => line.includes('"message.received"') && line.includes('"twilio"') && line.includes(`"customer":"${byPhone}"`))!)![1]!;
    const keyBefore = (await keysOf())[sealedKeyId(sealedSms)!];
    expect(openText(sealedSms, Buffer.from(keyBefore!, 'base64'))).toBe(SMS_TEXT);

    const erased = await engine.api('POST', `/v1/customers/${byPhone}/erase`);
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ customer: byMail, again: false });
    expect(erased.body!.filesDeleted).toBeGreaterThanOrEqual(3);
    expect((erased.body!.people as string[]).sort()).toEqual([byMail, byPhone].sort());
    // Asked again (from the command line, for the other customer of the person): the same outcome, nothing more to do.
    const again = JSON.parse(await cs('customers', 'erase', byMail!, '--tenant', TENANT)) as Record<string, unknown>;
    expect(again).toEqual({ ...erased.body, again: true });

    // Redis: every key and value of the deployment (projections, indexes, queues' jobs, keys, claims).
    const stored = await deploymentRedis();
    expect(stored).toContain(`cs:dk:{${config.instance}:${TENANT}}`);
    expect(stored).toContain('enc:v1:');
    expect(found(stored)).toEqual([]);
    // Kafka: the raw records of every topic of the deployment.
    const log = await topicBytes();
    expect(log).toContain('"customer.erased"');
    expect(found(log)).toEqual([]);
    // The attachment store: no file of theirs, no byte of theirs.
    const files = readdirSync(dir).map((f) => readFileSync(join(dir, f)));
    expect(files.filter((b) => b.equals(pdf) || b.equals(photo) || b.equals(jpeg))).toEqual([]);
    expect(found(files.map((b) => b.toString('latin1')).join('\n'))).toEqual([]);

    // What readers see now: "[erased]" where the person was, the facts kept.
    expect((await byHandle(EMAIL)).status).toBe(404);
    expect((await byHandle(PHONE)).status).toBe(404);
    const view = JSON.stringify((await engine.api('GET', `/v1/customers/${byMail}`)).body);
    expect(found(view)).toEqual([]);
    expect(view).toContain('[erased]');
    const subject = (await engine.api('GET', `/v1/customers/${byMail}/export`)).body as unknown as SubjectAccessExport;
    expect(found(JSON.stringify(subject))).toEqual([]);
    expect(subject.events.map((e) => e.type)).toEqual(expect.arrayContaining(['message.received', 'customer.merged', 'customer.erased']));
    const exported = join(dir, '..', `erasure-${MARK}.ndjson`);
    await cs('export', '--out', exported);
    expect(found(readFileSync(exported, 'utf8'))).toEqual([]);
    rmSync(exported, { force: true });
    expect((await keysOf())[sealedKeyId(sealedSms)!]).toBeUndefined();
    rmSync(exportedBefore, { force: true });
    // Nobody is left to reply to; the team may still write a note on the conversation.
    expect(await engine.api('POST', `/v1/conversations/${smsConversation}/messages`, { text: 'Are you still there?', authorId: 'agent_1' })).toMatchObject({ status: 409, body: { error: 'customer_erased' } });
    expect((await engine.api('POST', `/v1/conversations/${smsConversation}/messages`, { text: 'Erased on request.', authorId: 'agent_1', internal: true })).status).toBe(202);
    // Someone else is untouched.
    expect(JSON.stringify((await engine.api('GET', `/v1/customers/${other}`)).body)).toContain(SOMEONE_ELSE);

    // A rebuild of the same log: nothing of the person, and byte-equal to the live projections.
    const rebuiltNs = `${config.fold.namespace}-rebuilt`;
    await rebuildProjections({ config: { ...config, fold: { ...config.fold, cacheCustomers: 0 } }, kafka: createKafka(config.kafka, testLogger), redis, logger: testLogger, namespace: rebuiltNs, switchReads: false });
    const rebuilt = await dumpNamespacePipelined(redis, rebuiltNs);
    let diffs: string[] = [];
    // The live fold may still be folding the erasure event when the rebuild is done.
    await eventually('live equal to the rebuild', async () => (diffs = diffDumps(await dumpNamespacePipelined(redis, config.fold.namespace), rebuilt)).length === 0).catch(() => undefined);
    expect(diffs).toEqual([]);
    expect(rebuilt.size).toBeGreaterThan(0);
    expect(found(JSON.stringify([...rebuilt]))).toEqual([]);

    // The KPIs over the same log: exactly as before.
    expect(await kpis()).toEqual(kpisBefore);

    // Their number again: a new customer, who starts from nothing.
    await sms(PHONE, 'Hello again');
    let fresh: string | null = null;
    await eventually('the number known again', async () => (fresh = await identities.lookup(TENANT, `phone:${PHONE}`)) !== null);
    expect([byMail, byPhone]).not.toContain(fresh);

    // A master key rotated: rewrapped under the new one, the keys open without the old one.
    const m2 = randomBytes(32).toString('base64');
    config = { ...config, privacy: { ...config.privacy, masterKeys: { ...config.privacy.masterKeys, m2 }, activeMasterKey: 'm2' } };
    await cs('privacy', 'rewrap', '--tenant', TENANT);
    config = { ...config, privacy: { ...config.privacy, masterKeys: { m2 }, activeMasterKey: 'm2' } };
    const otherExport = join(dir, '..', `erasure-other-${MARK}.json`);
    await cs('customers', 'export', other!, '--tenant', TENANT, '--out', otherExport);
    expect(readFileSync(otherExport, 'utf8')).toContain(SOMEONE_ELSE);
    rmSync(otherExport);
  }, 180_000);

  it('given an erasure that died after recording its plan, when asked again, then the second call finishes it', async () => {
    const text = `Erase me too ${randomBytes(8).toString('hex')}`;
    await sms('+14155550777', text);
    const { ctx } = engine.harness;
    let customer: string | null = null;
    await eventually('the customer folded', async () => (customer = await ctx.identities.lookup(TENANT, 'phone:+14155550777')) !== null && (await engine.reader.customers(await engine.reader.scope(TENANT), [customer])).has(customer));
    const deps = {
      reader: engine.reader,
      redis: ctx.redis,
      instance: config.instance,
      kafka: createKafka(config.kafka, testLogger),
      topic: config.kafka.topics.events,
      privacy: ctx.privacy,
      identities: ctx.identities,
      store: ctx.attachments,
      now: () => new Date(),
    };
    const by = { kind: 'system' as const, id: 'spec' };
    const dying = { ...deps, eventLog: { append: () => Promise.reject(new Error('Kafka went away')), close: async () => undefined } };
    await expect(eraseCustomer(dying, { tenant: TENANT, customer: customer!, by })).rejects.toThrow('Kafka went away');
    // Nothing is gone yet: the fact comes first.
    expect(JSON.stringify((await engine.api('GET', `/v1/customers/${customer}`)).body)).toContain(text);
    const finished = await eraseCustomer({ ...deps, eventLog: ctx.eventLog }, { tenant: TENANT, customer: customer!, by });
    expect(finished).toMatchObject({ ok: true, again: false, outcome: { customer, keysDestroyed: 2 } });
    expect(JSON.stringify((await engine.api('GET', `/v1/customers/${customer}`)).body)).not.toContain(text);
    expect(await ctx.identities.lookup(TENANT, 'phone:+14155550777')).toBeNull();
    expect((await engine.api('POST', '/v1/customers/cus_nobody/erase')).status).toBe(404);
  }, 60_000);
});

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyEvent, EventEnvelope } from '../../events/index.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Conversation, TranscriptEntry } from '../../src/domain/state.ts';
import type { CustomerView } from '../../src/projections/views.ts';
import { createKafka } from '../../src/log/kafka.ts';
import { collectEvents, startProviderApis, startSmtpSink, statusesOf } from '../integration/outbound/support.ts';
import { eventually } from '../support/collect.ts';
import { testConfig } from '../support/engine.ts';
import { freePort } from '../support/free-port.ts';
import { testLogger } from '../support/kafka.ts';
import { apiClient, postAsMeta, postAsTwilio, twilioInboundSms, twilioStatusCallback, whatsappTextWebhook } from './support/doors.ts';
import { startEngineProcess, type EngineProcess } from './support/engine-process.ts';
import { leftoverKeys, tearDownEngine } from './support/teardown.ts';

const SUPPORT = 'support@acme.test';
const JANE_EMAIL = 'jane@example.com';
/** Jane's mobile, E.164; WhatsApp calls the same number by its digits (wa_id). */
const JANE_PHONE = '+14155550123';
const JANE_WA_ID = '14155550123';
const OUR_NUMBER = '+15005550006';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

type Received = EventEnvelope<'message.received'>;
type StatusUpdated = EventEnvelope<'message.status_updated'>;
const isReceived = (e: AnyEvent): e is Received => e.type === 'message.received';
const isStatus = (e: AnyEvent): e is StatusUpdated => e.type === 'message.status_updated';

/**
 * The status events of one of our messages, in log order, each once: status event ids are derived
 * from message and status, so a redelivered batch may append one again, as the same event.
 */
function statusesOfMessage(events: AnyEvent[], messageId: string): Array<StatusUpdated['data']> {
  const seen = new Set<string>();
  return events.filter(isStatus).flatMap((e) => (e.data.messageId === messageId && !seen.has(e.id) && seen.add(e.id) ? [e.data] : []));
}

/** What a transcript or timeline entry says, without ids and times. */
const line = (e: TranscriptEntry) => [e.direction, e.channel, e.provider, e.text] as const;

describe('omnichannel journey, through the public doors of a real engine process', () => {
  it('one person writes by e-mail, SMS and WhatsApp, is merged into one customer, and is answered on each channel', async () => {
    const t0 = performance.now();
    const phases: Record<string, number> = {};
    const mark = (name: string) => (phases[name] = Math.round(performance.now() - t0));

    // The providers' side: an SMTP server that receives our mail, and an HTTP server answering like
    // Twilio's Messages API and Meta's Graph API, recording every call.
    const apis = await startProviderApis();
    cleanups.push(() => apis.close());
    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());

    // The deployment: a config of its own, one tenant with an API key, a Twilio account, a WhatsApp
    // number and a support address; every provider base URL points at the local servers.
    const httpPort = await freePort();
    let smtpPort = await freePort();
    while (smtpPort === httpPort) smtpPort = await freePort();
    const id = nanoid(8).replace(/[^A-Za-z0-9]/g, 'x');
    const tenant = `e2e-${id}`;
    const apiKey = `e2e-key-${nanoid(24)}`;
    const accountSid = `AC${randomBytes(16).toString('hex')}`;
    const authToken = randomBytes(16).toString('hex');
    const appSecret = randomBytes(16).toString('hex');
    const phoneNumberId = `1065${randomBytes(5).readUIntBE(0, 5)}`;
    const accessToken = `EAAG${randomBytes(12).toString('hex')}`;
    const attachments = mkdtempSync(join(tmpdir(), 'cs-e2e-attachments-'));
    cleanups.push(async () => rmSync(attachments, { recursive: true, force: true }));
    const publicUrl = `http://127.0.0.1:${httpPort}`;
    const base = testConfig();
    const config: Config = {
      ...base,
      http: { ...base.http, host: '127.0.0.1', port: httpPort, apiKeys: { [apiKey]: tenant } },
      channels: {
        ...base.channels,
        publicUrl,
        attachments: { ...base.channels.attachments, dir: attachments },
        twilio: { apiBaseUrl: apis.url, accounts: { [accountSid]: { tenant, authToken, from: OUR_NUMBER } } },
        meta: { ...base.channels.meta, graphBaseUrl: `${apis.url}/v19.0`, appSecret, routes: { [phoneNumberId]: { tenant, accessToken } } },
        email: {
          ...base.channels.email,
          smtp: { ...base.channels.email.smtp, host: '127.0.0.1', port: smtpPort },
          addresses: { [SUPPORT]: tenant },
          outbound: { host: '127.0.0.1', port: sink.port, secure: false, from: `Acme Support <${SUPPORT}>` },
        },
      },
    };

    const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
    const kafka = createKafka(config.kafka, testLogger);
    const reading: { collector?: Awaited<ReturnType<typeof collectEvents>> } = {};
    let tornDown = false;
    const tearDown = async () => {
      if (tornDown) return;
      tornDown = true;
      await reading.collector?.close();
      await tearDownEngine(config, redis, kafka, reading.collector ? [reading.collector.group] : []);
    };
    cleanups.push(async () => {
      await tearDown();
      redis.disconnect();
    });

    // The engine, every role in one process, as `main all` runs in a container.
    let engine: EngineProcess | undefined = await startEngineProcess('all', config);
    cleanups.push(async () => engine?.dispose());
    mark('engine healthy');
    const api = apiClient(engine.url, apiKey);
    // What went on the log, read the way any consumer would (its own group): status events are
    // facts for analysts and the connector, not part of the transcript.
    const collector = (reading.collector = await collectEvents(config));
    const events = collector.events;

    const mailer = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, pool: false });
    cleanups.push(async () => mailer.close());
    await eventually('the SMTP listener answering', () => mailer.verify().then(() => true, () => false), 15_000);
    mark('smtp listening');

    // 1. Jane writes to the support address over SMTP.
    const mail = await mailer.sendMail({
      from: `Jane Doe <${JANE_EMAIL}>`,
      to: SUPPORT,
      subject: 'Order #1001 never arrived',
      text: 'Hello, my order #1001 never arrived. Can you check?\n\n-- \nJane',
    });
    expect(mail.response).toMatch(/^250 OK: accepted as \S+/);
    expect(mail.accepted).toEqual([SUPPORT]);

    // 2. She sends an SMS from her mobile (Twilio posts it, signed); Twilio retries the same POST.
    const smsSid = `SM${randomBytes(16).toString('hex')}`;
    const smsText = 'Hi, it is Jane (order #1001). Any news?';
    const sms = twilioInboundSms({ accountSid, messageSid: smsSid, from: JANE_PHONE, to: OUR_NUMBER, body: smsText });
    const smsAnswer = await postAsTwilio(engine.url, publicUrl, authToken, '/webhooks/twilio/sms', sms);
    expect(smsAnswer).toMatchObject({ status: 200, text: '<Response/>' });
    expect(smsAnswer.contentType).toMatch(/^text\/xml/);
    const smsRetry = await postAsTwilio(engine.url, publicUrl, authToken, '/webhooks/twilio/sms', sms);
    expect(smsRetry).toMatchObject({ status: 200, text: '<Response/>' });

    // 3. And a WhatsApp message from the same number. WhatsApp stamps messages in whole seconds:
    // it is sent in the second after the SMS was received, so it is also later by event time.
    await sleep(1010 - (Date.now() % 1000));
    const wamid = `wamid.HBgL${randomBytes(12).toString('hex').toUpperCase()}`;
    const waText = 'Writing here too, WhatsApp is easier for me';
    const waAnswer = await postAsMeta(
      engine.url,
      appSecret,
      whatsappTextWebhook({ wabaId: '102290129340398', phoneNumberId, displayPhoneNumber: '15550783881', waId: JANE_WA_ID, name: 'Jane Doe', messageId: wamid, text: waText, timestamp: Math.floor(Date.now() / 1000) }),
    );
    expect(waAnswer).toMatchObject({ status: 200, text: 'EVENT_RECEIVED' });
    mark('three messages in');

    // E-mail and phone are two customers (nothing links the address to the number); SMS and
    // WhatsApp are one, since both are the same E.164 identity.
    const byHandle = async (handle: string, ready: (v: CustomerView) => boolean) => {
      let view: CustomerView | undefined;
      await eventually(`the customer of ${handle} over HTTP`, async () => {
        const answer = await api.get<CustomerView>(`/v1/customers?handle=${encodeURIComponent(handle)}`);
        view = answer.status === 200 ? answer.body! : undefined;
        return view !== undefined && ready(view);
      }, 20_000);
      return view!;
    };
    const emailView = await byHandle(JANE_EMAIL, (v) => v.timeline.length === 1);
    // Wait until the WhatsApp message is folded: its line and its identity (one state, see customerView).
    const phoneView = await byHandle(JANE_PHONE, (v) => v.timeline.length === 2 && v.customer.identities.length === 2);
    expect(encodeURIComponent(JANE_PHONE)).toBe('%2B14155550123');
    mark('folded');
    const emailCustomer = emailView.customer.id;
    const phoneCustomer = phoneView.customer.id;
    expect(emailCustomer).not.toBe(phoneCustomer);
    expect(emailView.customer.identities.map((i) => [i.channel, i.provider, i.handle])).toEqual([['email', 'smtp', JANE_EMAIL]]);
    expect(phoneView.customer.identities.map((i) => [i.channel, i.provider, i.handle])).toEqual([
      ['sms', 'twilio', JANE_PHONE],
      ['social', 'whatsapp', JANE_PHONE],
    ]);
    expect(emailView.timeline.map(line)).toEqual([['in', 'email', 'smtp', 'Hello, my order #1001 never arrived. Can you check?']]);
    expect(emailView.timeline[0]!.subject).toBe('Order #1001 never arrived');
    // The fold put SMS and WhatsApp in one open conversation; its replyTo is the latest message's identity.
    expect(phoneView.timeline.map(line)).toEqual([
      ['in', 'sms', 'twilio', smsText],
      ['in', 'social', 'whatsapp', waText],
    ]);
    expect(phoneView.conversations).toHaveLength(1);
    const emailConversation = emailView.conversations[0]!.id;
    const phoneConversation = phoneView.conversations[0]!.id;
    expect(phoneView.conversations[0]).toMatchObject({ status: 'open', channels: ['sms', 'social'], messageCount: 2 });
    const phoneConv = await api.get<{ conversation: Conversation; transcript: TranscriptEntry[] }>(`/v1/conversations/${phoneConversation}`);
    expect(phoneConv.status).toBe(200);
    expect(phoneConv.body!.conversation.replyTo).toEqual({ channel: 'social', provider: 'whatsapp', handle: JANE_PHONE });
    expect(phoneConv.body!.transcript.map(line)).toEqual(phoneView.timeline.map(line));

    // The provider's retry was answered 200 and added nothing: one event, one timeline entry.
    // (A second event would follow the first on the same partition, before the WhatsApp message.)
    await eventually('the WhatsApp message on the log', () => events.filter(isReceived).some((e) => e.data.providerMessageId === wamid), 10_000);
    expect(events.filter(isReceived).filter((e) => e.data.providerMessageId === smsSid)).toHaveLength(1);
    expect(phoneView.timeline.filter((e) => e.text === smsText)).toHaveLength(1);

    // An agent sees it is one person: merge the phone customer into the e-mail customer.
    const merged = await api.post<{ survivor: string; absorbed: string; eventIds: string[]; repointed: number }>(`/v1/customers/${emailCustomer}/merge`, { from: phoneCustomer, by: 'agent-7' });
    expect(merged).toMatchObject({ status: 202, body: { survivor: emailCustomer, absorbed: phoneCustomer, repointed: 1 } });
    let person: CustomerView | undefined;
    await eventually('the merged profile', async () => {
      const answer = await api.get<CustomerView>(`/v1/customers/${emailCustomer}`);
      person = answer.status === 200 ? answer.body! : undefined;
      return person !== undefined && person.customer.mergedFrom.includes(phoneCustomer) && person.timeline.length === 3;
    }, 20_000);
    mark('merged');
    expect(person!.mergedInto).toBeUndefined();
    expect(person!.conversations.map((c) => c.id).sort()).toEqual([emailConversation, phoneConversation].sort());
    // One timeline across e-mail, SMS and WhatsApp, in the order she wrote.
    expect(person!.timeline.map((e) => [...line(e), e.customerId, e.conversationId])).toEqual([
      ['in', 'email', 'smtp', 'Hello, my order #1001 never arrived. Can you check?', emailCustomer, emailConversation],
      ['in', 'sms', 'twilio', smsText, phoneCustomer, phoneConversation],
      ['in', 'social', 'whatsapp', waText, phoneCustomer, phoneConversation],
    ]);
    // Asked by the absorbed id or by the phone number, the answer is the same person (once the
    // absorbed customer's side of the merge, on its own partition, is folded too).
    await eventually('the absorbed customer answering with the survivor', async () => {
      const answer = await api.get<CustomerView>(`/v1/customers/${phoneCustomer}`);
      return answer.status === 200 && answer.body!.mergedInto === emailCustomer;
    }, 20_000);
    const absorbed = await api.get<CustomerView>(`/v1/customers/${phoneCustomer}`);
    expect(absorbed.body!.customer.id).toBe(emailCustomer);
    expect(absorbed.body!.timeline.map(line)).toEqual(person!.timeline.map(line));
    const byPhone = await api.get<CustomerView>(`/v1/customers?handle=${encodeURIComponent(JANE_PHONE)}`);
    expect(byPhone).toMatchObject({ status: 200, body: { customer: { id: emailCustomer } } });
    expect(byPhone.body!.mergedInto).toBeUndefined();

    /** Posts an agent reply and waits for `queued` then `sent` on the log; returns the message id and the `sent` status. */
    const reply = async (conversation: string, text: string) => {
      const answer = await api.post<{ messageId: string; eventId: string }>(`/v1/conversations/${conversation}/messages`, { text, authorId: 'agent-7' }, { 'idempotency-key': `e2e-reply-${nanoid(12)}` });
      expect(answer.status, answer.text).toBe(202);
      const { messageId } = answer.body!;
      await eventually(`message.status_updated sent for ${messageId}`, () => statusesOf(events, messageId).some((s) => s.status === 'sent'), 20_000);
      const statuses = statusesOfMessage(events, messageId);
      expect(statuses.map((s) => s.status)).toEqual(['queued', 'sent']);
      return { messageId, sent: statuses[1]! };
    };

    // Answer the e-mail: a mail to Jane, threaded under hers.
    const mailReply = await reply(emailConversation, 'We are sorry! A replacement ships today.');
    const ourMessageId = `<${mailReply.messageId}@acme.test>`;
    await eventually('the reply mail at the SMTP server', () => sink.mails.some((m) => m.headers.get('message-id') === ourMessageId), 10_000);
    const outMail = sink.mails.find((m) => m.headers.get('message-id') === ourMessageId)!;
    expect(outMail.to).toEqual([JANE_EMAIL]);
    expect(outMail.from).toBe(SUPPORT);
    expect(outMail.headers.get('in-reply-to')).toBe(mail.messageId);
    expect(outMail.headers.get('references')).toBe(mail.messageId);
    expect(outMail.headers.get('subject')).toBe('Re: Order #1001 never arrived');
    expect(outMail.headers.get('reply-to')).toBe(`support+c${emailConversation}@acme.test`);
    expect(mailReply.sent).toMatchObject({ channel: 'email', provider: 'smtp', status: 'sent', providerMessageId: ourMessageId, attempts: 1 });
    mark('e-mail answered');

    // Answer the phone conversation: it goes to WhatsApp, where she wrote last.
    const waReplyText = 'Thanks Jane, the replacement ships today (tracking follows).';
    const waReply = await reply(phoneConversation, waReplyText);
    const waCalls = apis.calls.filter((c) => c.path === `/v19.0/${phoneNumberId}/messages`);
    expect(waCalls).toHaveLength(1);
    expect(waCalls[0]!.authorization).toBe(`Bearer ${accessToken}`);
    expect(JSON.parse(waCalls[0]!.body)).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: JANE_WA_ID, type: 'text', text: { body: waReplyText } });
    expect(waReply.sent).toMatchObject({ channel: 'social', provider: 'whatsapp', status: 'sent', providerMessageId: expect.stringMatching(/^wamid\./) });
    expect(apis.calls.filter((c) => c.path.includes('/Messages.json'))).toHaveLength(0);
    mark('WhatsApp answered');

    // She texts once more. Her number now leads to the survivor, so the SMS lands in the survivor's
    // open conversation (the e-mail one), and the next reply there goes back by SMS.
    const sms2Sid = `SM${randomBytes(16).toString('hex')}`;
    const sms2Text = 'Great, thank you! Please text me the tracking number.';
    const sms2 = await postAsTwilio(engine.url, publicUrl, authToken, '/webhooks/twilio/sms', twilioInboundSms({ accountSid, messageSid: sms2Sid, from: JANE_PHONE, to: OUR_NUMBER, body: sms2Text }));
    expect(sms2).toMatchObject({ status: 200, text: '<Response/>' });
    await eventually('the second SMS on the timeline', async () => {
      const answer = await api.get<CustomerView>(`/v1/customers/${emailCustomer}`);
      person = answer.status === 200 ? answer.body! : undefined;
      return person?.timeline.some((e) => e.text === sms2Text) ?? false;
    }, 20_000);
    const sms2Entry = person!.timeline.find((e) => e.text === sms2Text)!;
    expect(sms2Entry).toMatchObject({ customerId: emailCustomer, conversationId: emailConversation, channel: 'sms', provider: 'twilio' });
    const emailConv = await api.get<{ conversation: Conversation }>(`/v1/conversations/${emailConversation}`);
    expect(emailConv.body!.conversation).toMatchObject({ status: 'open', channels: ['email', 'sms'], replyTo: { channel: 'sms', provider: 'twilio', handle: JANE_PHONE } });

    const smsReplyText = 'Tracking: 1Z999AA10123456784';
    const smsReply = await reply(emailConversation, smsReplyText);
    const twilioCalls = apis.calls.filter((c) => c.path === `/2010-04-01/Accounts/${accountSid}/Messages.json`);
    expect(twilioCalls).toHaveLength(1);
    const twilioCall = twilioCalls[0]!;
    expect(twilioCall.authorization).toBe(`Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`);
    expect(twilioCall.idempotencyToken).toBe(smsReply.messageId);
    expect(Object.fromEntries(new URLSearchParams(twilioCall.body))).toEqual({ To: JANE_PHONE, From: OUR_NUMBER, Body: smsReplyText, StatusCallback: `${publicUrl}/webhooks/twilio/status` });
    expect(smsReply.sent).toMatchObject({ channel: 'sms', provider: 'twilio', status: 'sent', providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
    // Each reply reached its provider exactly once.
    expect(sink.mails.filter((m) => m.to.includes(JANE_EMAIL))).toHaveLength(1);
    expect(apis.calls.filter((c) => c.path === `/v19.0/${phoneNumberId}/messages`)).toHaveLength(1);
    mark('SMS answered');

    // Twilio then reports delivery on the StatusCallback it was given (signed like any webhook):
    // the report lands on Jane, found by her number, which now leads to the survivor.
    const twilioSid = smsReply.sent.providerMessageId!;
    const delivered = await postAsTwilio(engine.url, publicUrl, authToken, '/webhooks/twilio/status', twilioStatusCallback({ accountSid, messageSid: twilioSid, status: 'delivered', from: OUR_NUMBER, to: JANE_PHONE }));
    expect(delivered.status).toBe(200);
    await eventually('the delivery report on the log', () => events.filter(isStatus).some((e) => e.data.providerMessageId === twilioSid && e.data.status === 'delivered'), 10_000);
    expect(events.filter(isStatus).find((e) => e.data.providerMessageId === twilioSid && e.data.status === 'delivered')).toMatchObject({ customer: emailCustomer, data: { channel: 'sms', provider: 'twilio' } });

    // The whole story on one timeline, replies included.
    await eventually('every reply on the timeline', async () => {
      const answer = await api.get<CustomerView>(`/v1/customers/${emailCustomer}`);
      person = answer.status === 200 ? answer.body! : undefined;
      return person?.timeline.length === 7;
    }, 20_000);
    expect(person!.timeline.map(line)).toEqual([
      ['in', 'email', 'smtp', 'Hello, my order #1001 never arrived. Can you check?'],
      ['in', 'sms', 'twilio', smsText],
      ['in', 'social', 'whatsapp', waText],
      ['out', 'email', 'smtp', 'We are sorry! A replacement ships today.'],
      ['out', 'social', 'whatsapp', waReplyText],
      ['in', 'sms', 'twilio', sms2Text],
      ['out', 'sms', 'twilio', smsReplyText],
    ]);
    expect(person!.timeline.filter((e) => e.direction === 'out').map((e) => e.author)).toEqual(Array(3).fill({ kind: 'agent', id: 'agent-7' }));
    // Still one message per provider message id, retry or not.
    expect(events.filter(isReceived).map((e) => e.data.providerMessageId).sort()).toEqual([mail.messageId, smsSid, sms2Sid, wamid].sort());
    mark('timeline complete');

    // SIGTERM stops the engine gracefully: exit code 0, well within 30 s.
    const stopped = await engine.stop('SIGTERM', 30_000);
    mark('engine stopped');
    expect(stopped).toMatchObject({ code: 0, signal: null, timedOut: false });
    expect(stopped.ms).toBeLessThan(30_000);
    engine = undefined;

    // Nothing of the deployment is left in Redis or Kafka.
    await tearDown();
    expect(await leftoverKeys(redis, config)).toEqual([]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ours = Object.values(config.kafka.topics);
      await eventually('the topics deleted', async () => (await admin.listTopics()).every((t) => !ours.includes(t)), 10_000);
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      expect(groups.filter((g) => [config.fold.consumerGroup, config.outbound.consumerGroup, collector.group].includes(g))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
    mark('cleaned up');
    console.info(`omnichannel e2e (${config.instance}): ${JSON.stringify(phases)} ms since start; SIGTERM to exit ${stopped.ms} ms`);
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, type EventDataInput } from '../../../events/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { openKafkaEventLog, type EventLog } from '../../../src/log/event-log.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { startOutboundRole, type RunningOutbound } from '../../../src/roles/outbound.ts';
import { eventually } from '../../support/collect.ts';
import { nextTime } from '../../support/events.ts';
import { testLogger } from '../../support/kafka.ts';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  collectEvents,
  META_ROUTE,
  META_TOKEN,
  outboundConfig,
  outboundTestSettings,
  startProviderApis,
  startSmtpSink,
  statusesOf,
  tearDown,
  TENANT,
  TWILIO_FROM,
} from './support.ts';

let config: Config;
let apis: Awaited<ReturnType<typeof startProviderApis>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let outbound: RunningOutbound;
let log: EventLog;
let collected: Awaited<ReturnType<typeof collectEvents>>;
let n = 0;

beforeAll(async () => {
  apis = await startProviderApis();
  smtp = await startSmtpSink();
  config = outboundConfig({ providerUrl: apis.url, smtpPort: smtp.port });
  outbound = await startOutboundRole(config, testLogger, outboundTestSettings(config));
  log = await openKafkaEventLog({ kafka: createKafka(config.kafka, testLogger), topic: config.kafka.topics.events, publishTimeoutMs: 10_000 });
  collected = await collectEvents(config);
});

afterAll(async () => {
  await collected?.close();
  await outbound?.close();
  await log?.close();
  await apis?.close();
  await smtp?.close();
  if (config) await tearDown(config, [collected.group]);
});

/** An agent's reply on the log, as the reply endpoint (or any producer) writes it. */
async function send(data: Partial<EventDataInput<'message.sent'>> & Pick<EventDataInput<'message.sent'>, 'channel' | 'provider'>, customer = `c-${n + 1}`) {
  const messageId = `msg-${++n}-${data.provider}`;
  const event = createEvent({
    type: 'message.sent',
    source: '/tests',
    tenant: TENANT,
    customer,
    conversation: `cv_${customer}`,
    time: nextTime(),
    data: { author: { kind: 'agent', id: 'agent-7' }, text: `Reply ${n}`, messageId, ...data },
  });
  await log.append([event]);
  return { event, messageId };
}

const callsTo = (fragment: string) => apis.calls.filter((c) => c.path.includes(fragment));

describe('outbound delivery through the providers’ APIs', () => {
  it('sends an SMS through Twilio’s Messages API from the tenant’s account, and reports queued then sent', async () => {
    const { messageId } = await send({ channel: 'sms', provider: 'twilio', handle: '+14155550100', text: 'Your replacement ships today' });
    await eventually('the sent status', () => statusesOf(collected.events, messageId).some((s) => s.status === 'sent'));

    const [call, ...more] = callsTo('/Messages.json');
    expect(more).toEqual([]);
    expect(call).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, contentType: 'application/x-www-form-urlencoded', idempotencyToken: messageId });
    expect(call!.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(call!.body))).toEqual({
      To: '+14155550100',
      From: TWILIO_FROM,
      Body: 'Your replacement ships today',
      StatusCallback: `${config.channels.publicUrl}/webhooks/twilio/status`,
    });

    const statuses = statusesOf(collected.events, messageId);
    expect(statuses.map((s) => s.status)).toEqual(['queued', 'sent']);
    expect(statuses[1]).toMatchObject({ channel: 'sms', provider: 'twilio', attempts: 1, providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
  });

  it('sends WhatsApp text through the Cloud API with the route’s bearer token', async () => {
    const { messageId } = await send({ channel: 'social', provider: 'whatsapp', handle: '+14155550101', text: 'Hola' });
    await eventually('the sent status', () => statusesOf(collected.events, messageId).some((s) => s.status === 'sent'));
    const [call] = callsTo(`/v19.0/${META_ROUTE}/messages`);
    expect(call).toMatchObject({ method: 'POST', authorization: `Bearer ${META_TOKEN}`, contentType: 'application/json' });
    expect(JSON.parse(call!.body)).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '14155550101', type: 'text', text: { body: 'Hola' } });
    expect(statusesOf(collected.events, messageId).at(-1)?.providerMessageId).toMatch(/^wamid\./);
  });

  it('sends Messenger text through the Send API as a RESPONSE to the page-scoped id', async () => {
    const { messageId } = await send({ channel: 'social', provider: 'messenger', handle: '6543210987654321', text: 'Thanks for writing' });
    await eventually('the sent status', () => statusesOf(collected.events, messageId).some((s) => s.status === 'sent'));
    const [call] = callsTo('/v19.0/me/messages');
    expect(call).toMatchObject({ method: 'POST', authorization: `Bearer ${META_TOKEN}` });
    expect(JSON.parse(call!.body)).toEqual({ recipient: { id: '6543210987654321' }, message: { text: 'Thanks for writing' }, messaging_type: 'RESPONSE' });
    expect(statusesOf(collected.events, messageId).at(-1)?.providerMessageId).toMatch(/^m_/);
  });

  it('mails an e-mail reply over SMTP threaded under the customer’s latest mail', async () => {
    const customer = `c-mail-${++n}`;
    const customerMessageId = '<CAF+abc.123@mail.example.com>';
    const received = createEvent({
      type: 'message.received',
      source: '/tests',
      tenant: TENANT,
      customer,
      time: nextTime(),
      data: { channel: 'email', provider: 'smtp', handle: 'jane@example.com', text: 'Where is my order?', subject: 'Order #1001', providerMessageId: customerMessageId },
    });
    await log.append([received]);
    const { messageId } = await send({ channel: 'email', provider: 'smtp', handle: 'jane@example.com', subject: 'Re: Order #1001', text: 'It ships today.' }, customer);
    await eventually('the mail', () => smtp.mails.length > 0);
    await eventually('the sent status', () => statusesOf(collected.events, messageId).some((s) => s.status === 'sent'));

    const [mail, ...more] = smtp.mails;
    expect(more).toEqual([]);
    expect(mail!.to).toEqual(['jane@example.com']);
    expect(mail!.from).toBe('support@acme.test');
    const h = mail!.headers;
    expect(h.get('in-reply-to')).toBe(customerMessageId);
    expect(h.get('references')).toBe(customerMessageId);
    expect(h.get('x-cs-conversation')).toBe(`cv_${customer}`);
    expect(h.get('reply-to')).toBe(`support+ccv_${customer}@acme.test`);
    expect(h.get('from')).toBe('Acme Support <support@acme.test>');
    expect(h.get('subject')).toBe('Re: Order #1001');
    expect(h.get('message-id')).toBe(`<${messageId}@acme.test>`);
    expect(h.has('auto-submitted')).toBe(false);
    expect(mail!.raw).toContain('It ships today.');
    expect(statusesOf(collected.events, messageId).at(-1)?.providerMessageId).toBe(`<${messageId}@acme.test>`);
  });

  it('never delivers an internal note', async () => {
    // One customer, so one partition: the marker is handled after the note.
    const customer = `c-note-${++n}`;
    const note = await send({ channel: 'sms', provider: 'twilio', handle: '+14155550102', text: 'customer seems upset', internal: true }, customer);
    const after = await send({ channel: 'sms', provider: 'twilio', handle: '+14155550102', text: 'marker' }, customer);
    await eventually('the marker', () => statusesOf(collected.events, after.messageId).some((s) => s.status === 'sent'));
    expect(statusesOf(collected.events, note.messageId)).toEqual([]);
    expect(callsTo('/Messages.json').some((c) => c.body.includes('upset'))).toBe(false);
  });
});

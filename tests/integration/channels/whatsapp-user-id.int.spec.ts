import { createHmac, randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../events/index.ts';
import { actionRoutes } from '../../../src/api/actions/routes.ts';
import { metaRoutes } from '../../../src/channels/meta/routes.ts';
import { twilioRoutes } from '../../../src/channels/twilio/routes.ts';
import type { Config } from '../../../src/config/schema.ts';
import { eventually } from '../../support/collect.ts';
import { ACCOUNT_SID, AUTH_TOKEN, META_ROUTE, outboundConfig, startEngine, startProviderApis, startSmtpSink, TENANT, TWILIO_FROM } from '../outbound/support.ts';

/**
 * Issue #16: WhatsApp users who hide their number write from a business-scoped user id (BSUID,
 * `US.1349…`). Through both doors, such a message opens a customer of its own identity, a message
 * that carries the number too links the two identities to that customer, and a reply goes back to
 * the identity the customer wrote from.
 */

let config: Config;
let apis: Awaited<ReturnType<typeof startProviderApis>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let engine: Awaited<ReturnType<typeof startEngine>>;
const APP_SECRET = randomBytes(16).toString('hex');

beforeAll(async () => {
  apis = await startProviderApis();
  smtp = await startSmtpSink();
  const base = outboundConfig({ providerUrl: apis.url, smtpPort: smtp.port });
  config = { ...base, channels: { ...base.channels, meta: { ...base.channels.meta, appSecret: APP_SECRET } } };
  engine = await startEngine(config, [actionRoutes, metaRoutes, twilioRoutes]);
});

afterAll(async () => {
  await engine?.close();
  await apis?.close();
  await smtp?.close();
});

/** A fresh BSUID of the documented shape: two-letter country code, a period, digits. */
const userId = () => `US.${BigInt(`0x${randomBytes(8).toString('hex')}`).toString()}`;
const wamid = () => `wamid.${randomBytes(12).toString('hex')}`;

/** A WhatsApp Cloud API messages webhook of one text message, as Meta signs and posts it. */
async function whatsappWebhook(sender: { from?: string; from_user_id?: string; contact: Record<string, string> }, text: string, id = wamid()) {
  const message = { ...(sender.from ? { from: sender.from } : {}), ...(sender.from_user_id ? { from_user_id: sender.from_user_id } : {}), id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } };
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: 'WABA-1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001111', phone_number_id: META_ROUTE }, contacts: [{ profile: { name: 'Jane' }, ...sender.contact }], messages: [message] } }] }],
  });
  const signature = `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`;
  const response = await fetch(`${engine.harness.url}/webhooks/meta`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
  return { status: response.status, id };
}

/** A WhatsApp message through Twilio, signed over the public URL as Twilio does. */
async function twilioWebhook(params: Record<string, string>) {
  const MessageSid = `SM${randomBytes(16).toString('hex')}`;
  const form = { MessageSid, SmsMessageSid: MessageSid, AccountSid: ACCOUNT_SID, To: `whatsapp:${TWILIO_FROM}`, NumMedia: '0', ApiVersion: '2010-04-01', ...params };
  const path = '/webhooks/twilio/sms';
  const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, config.channels.publicUrl.replace(/\/+$/, '') + path, form);
  const response = await fetch(engine.harness.url + path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(form).toString() });
  return { status: response.status, text: await response.text(), id: MessageSid };
}

async function receivedAs(providerMessageId: string): Promise<EventEnvelope<'message.received'>> {
  let found: EventEnvelope<'message.received'> | undefined;
  await eventually(`message.received ${providerMessageId}`, () => {
    found = engine.harness.events.find((e): e is EventEnvelope<'message.received'> => e.type === 'message.received' && e.data.providerMessageId === providerMessageId);
    return found !== undefined;
  });
  return found!;
}

const identifiedOf = (customer: string) =>
  engine.harness.events.filter((e): e is EventEnvelope<'customer.identified'> => e.type === 'customer.identified' && e.customer === customer).map((e) => e.data.handle);

/** An agent's reply to the conversation the message opened; returns the provider call it became. */
async function agentReplies(received: EventEnvelope<'message.received'>, text: string) {
  const conversationId = `cv_${received.id}`;
  await engine.conversation(conversationId);
  const answer = await engine.api('POST', `/v1/conversations/${conversationId}/messages`, { text, authorId: 'agent-7' });
  expect(answer.status).toBe(202);
  const sends = (c: (typeof apis.calls)[number]) => c.body.includes(JSON.stringify(text).slice(1, -1)) || new URLSearchParams(c.body).get('Body') === text;
  await eventually('the provider call', () => apis.calls.some(sends));
  return apis.calls.find(sends)!;
}

describe('WhatsApp Cloud API: a user known by business-scoped user id', () => {
  it('a message from the user id alone opens a new customer; the reply goes to the user id; a message with the number joins it to the same customer', async () => {
    const bsuid = userId();
    const first = await whatsappWebhook({ from_user_id: bsuid, contact: { user_id: bsuid } }, 'Where is my parcel?');
    expect(first.status).toBe(200);
    const received = await receivedAs(first.id);
    expect(received.data).toMatchObject({ channel: 'social', provider: 'whatsapp', handle: bsuid, text: 'Where is my parcel?' });
    await eventually('the customer identified', () => identifiedOf(received.customer).length === 1);
    expect(identifiedOf(received.customer)).toEqual([bsuid]);

    const call = await agentReplies(received, 'It left the depot this morning.');
    expect(call.path).toBe(`/v19.0/${META_ROUTE}/messages`);
    expect(JSON.parse(call.body)).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', recipient: bsuid, type: 'text', text: { body: 'It left the depot this morning.' } });

    const second = await whatsappWebhook({ from: '14155550111', from_user_id: bsuid, contact: { wa_id: '14155550111', user_id: bsuid } }, 'Thanks! And the invoice?');
    expect(second.status).toBe(200);
    const again = await receivedAs(second.id);
    expect(again.customer).toBe(received.customer);
    expect(again.data.handle).toBe('+14155550111');
    await eventually('the number identified', () => identifiedOf(received.customer).length === 2);
    expect(identifiedOf(received.customer)).toEqual([bsuid, '+14155550111']);
    const customer = await engine.customer(received.customer, (c) => c.identities.length === 2);
    expect(customer.identities.map((i) => i.handle)).toEqual([bsuid, '+14155550111']);
    // Two identities, never one key: a user id and a number cannot collide.
    expect(await engine.harness.ctx.identities.lookup(TENANT, `wa-user:${bsuid}`)).toBe(received.customer);
    expect(await engine.harness.ctx.identities.lookup(TENANT, 'phone:+14155550111')).toBe(received.customer);
  });

  it('a number already known gains the user id: both identities, one customer', async () => {
    const bsuid = userId();
    const first = await whatsappWebhook({ from: '14155550112', contact: { wa_id: '14155550112' } }, 'Hello');
    const known = await receivedAs(first.id);
    const second = await whatsappWebhook({ from_user_id: bsuid, contact: { user_id: bsuid, wa_id: '14155550112' } }, 'Hello again, number hidden now');
    const later = await receivedAs(second.id);
    expect(later.customer).toBe(known.customer);
    expect(later.data.handle).toBe(bsuid);
    await eventually('both identified', () => identifiedOf(known.customer).length === 2);
    expect(identifiedOf(known.customer)).toEqual(['+14155550112', bsuid]);
  });

  it('refuses a malformed user id as before, with a reason naming the field, and keeps the rest', async () => {
    const bad = await whatsappWebhook({ from_user_id: 'US-1234', contact: { user_id: 'US-1234' } }, 'lost?');
    expect(bad.status).toBe(200);
    await eventually('the refusal kept', async () => (await engine.harness.rejected()).some((r) => r.reason.includes(bad.id)));
    const kept = (await engine.harness.rejected()).find((r) => r.reason.includes(bad.id))!;
    expect(kept.reason).toContain('from_user_id is not a WhatsApp user id: "US-1234"');
    expect(engine.harness.events.some((e) => e.type === 'message.received' && e.data.providerMessageId === bad.id)).toBe(false);
  });
});

describe('Twilio WhatsApp: a user known by business-scoped user id', () => {
  it('given a WhatsApp message through Twilio from a number, then it is a WhatsApp message of that phone identity, and the reply goes back by WhatsApp, not by SMS', async () => {
    const number = '+14155550177';
    const first = await twilioWebhook({ From: `whatsapp:${number}`, Body: 'Do you deliver to Oakland?' });
    expect(first.status).toBe(200);
    const received = await receivedAs(first.id);
    expect(received.data).toMatchObject({ channel: 'social', provider: 'twilio-whatsapp', handle: number });

    const call = await agentReplies(received, 'We do, within two days.');

    expect(Object.fromEntries(new URLSearchParams(call.body))).toMatchObject({ To: `whatsapp:${number}`, From: `whatsapp:${TWILIO_FROM}`, Body: 'We do, within two days.' });
  });

  it('From whatsapp:<user id> opens a customer of that identity; the reply goes To whatsapp:<user id>; the number joins it later', async () => {
    const bsuid = userId();
    const first = await twilioWebhook({ From: `whatsapp:${bsuid}`, ExternalUserId: bsuid, Body: 'Is the shop open on Sunday?' });
    expect(first.status).toBe(200);
    const received = await receivedAs(first.id);
    expect(received.data).toMatchObject({ channel: 'social', provider: 'twilio-whatsapp', handle: bsuid });
    await eventually('the customer identified', () => identifiedOf(received.customer).length === 1);
    expect(identifiedOf(received.customer)).toEqual([bsuid]);

    const call = await agentReplies(received, 'Yes, 10 to 4.');
    expect(call.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(Object.fromEntries(new URLSearchParams(call.body))).toMatchObject({ To: `whatsapp:${bsuid}`, From: `whatsapp:${TWILIO_FROM}`, Body: 'Yes, 10 to 4.' });

    const second = await twilioWebhook({ From: 'whatsapp:+14155550113', ExternalUserId: bsuid, Body: 'And on Monday?' });
    expect(second.status).toBe(200);
    const again = await receivedAs(second.id);
    expect(again.customer).toBe(received.customer);
    expect(again.data.handle).toBe('+14155550113');
    await eventually('the number identified', () => identifiedOf(received.customer).length === 2);
    expect(identifiedOf(received.customer)).toEqual([bsuid, '+14155550113']);
  });

  it('refuses a malformed ExternalUserId or From user id with a reason naming the field', async () => {
    const badExternal = await twilioWebhook({ From: 'whatsapp:+14155550114', ExternalUserId: 'not-an-id', Body: 'hi' });
    expect(badExternal.status).toBe(400);
    expect(JSON.parse(badExternal.text)).toMatchObject({ error: 'invalid_message', message: 'ExternalUserId is not a WhatsApp user id: "not-an-id"' });
    const badFrom = await twilioWebhook({ From: 'whatsapp:US.12-34', Body: 'hi' });
    expect(badFrom.status).toBe(400);
    expect(JSON.parse(badFrom.text)).toMatchObject({ error: 'invalid_message', message: 'From is not a WhatsApp user id: "whatsapp:US.12-34"' });
    expect(engine.harness.events.some((e) => e.type === 'message.received' && [badExternal.id, badFrom.id].includes(e.data.providerMessageId ?? ''))).toBe(false);
  });
});

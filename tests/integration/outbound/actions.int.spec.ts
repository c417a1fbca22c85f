import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent } from '../../../events/index.ts';
import { actionRoutes } from '../../../src/api/actions/routes.ts';
import type { Config } from '../../../src/config/schema.ts';
import { eventually } from '../../support/collect.ts';
import { ACCOUNT_SID, outboundConfig, startEngine, startProviderApis, startSmtpSink, statusesOf, TENANT, TWILIO_FROM } from './support.ts';

let config: Config;
let apis: Awaited<ReturnType<typeof startProviderApis>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let engine: Awaited<ReturnType<typeof startEngine>>;
// The reply endpoint stamps replies with the real clock: customer messages must be as recent, or
// the fold's inactivity rule would resolve their conversation before the reply lands.
const time = () => new Date().toISOString();

beforeAll(async () => {
  apis = await startProviderApis();
  smtp = await startSmtpSink();
  config = outboundConfig({ providerUrl: apis.url, smtpPort: smtp.port });
  engine = await startEngine(config, [actionRoutes]);
});

afterAll(async () => {
  await engine?.close();
  await apis?.close();
  await smtp?.close();
});

/** A customer message as an inbound adapter hands it over; returns the conversation it opens. */
async function customerWrites(message: { channel: 'email' | 'sms' | 'chat'; provider: string; from: string; text: string; subject?: string; providerMessageId?: string }) {
  const outcome = await engine.harness.ctx.ingestor.ingest({ tenant: TENANT, time: time(), ...message });
  if (outcome.status !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(outcome)}`);
  return { customer: outcome.customer, conversationId: `cv_${outcome.eventId}`, eventId: outcome.eventId };
}

const sentOnLog = (messageId: string) =>
  engine.harness.events.find((e) => e.type === 'message.sent' && e.data.messageId === messageId) as Extract<(typeof engine.harness.events)[number], { type: 'message.sent' }> | undefined;

describe('POST /v1/conversations/:id/messages', () => {
  it('an agent’s reply goes out by e-mail, threaded under the customer’s mail', async () => {
    const { conversationId, customer } = await customerWrites({
      channel: 'email',
      provider: 'smtp',
      from: 'Jane.Doe@Example.com',
      text: 'My order #1001 never arrived',
      subject: 'Order #1001',
      providerMessageId: '<CAF-1001@mail.example.com>',
    });
    await engine.conversation(conversationId);

    const answer = await engine.api('POST', `/v1/conversations/${conversationId}/messages`, { text: 'A replacement ships today.', authorId: 'agent-7' });
    expect(answer.status).toBe(202);
    const { messageId, eventId } = answer.body as { messageId: string; eventId: string };

    await eventually('the mail', () => smtp.mails.some((m) => m.headers.get('message-id') === `<${messageId}@acme.test>`));
    const mail = smtp.mails.find((m) => m.headers.get('message-id') === `<${messageId}@acme.test>`)!;
    expect(mail.to).toEqual(['jane.doe@example.com']);
    expect(mail.headers.get('in-reply-to')).toBe('<CAF-1001@mail.example.com>');
    expect(mail.headers.get('references')).toBe('<CAF-1001@mail.example.com>');
    expect(mail.headers.get('subject')).toBe('Re: Order #1001');
    expect(mail.headers.get('x-cs-conversation')).toBe(conversationId);
    expect(mail.headers.get('reply-to')).toBe(`support+c${conversationId}@acme.test`);

    const sent = sentOnLog(messageId)!;
    expect(sent).toMatchObject({ id: eventId, customer, conversation: conversationId, data: { channel: 'email', provider: 'smtp', handle: 'jane.doe@example.com', author: { kind: 'agent', id: 'agent-7' }, internal: false } });
    await eventually('sent', () => statusesOf(engine.harness.events, messageId).some((s) => s.status === 'sent'));
    await engine.conversation(conversationId, (c) => c.firstResponseAt !== null && c.status === 'pending');
  });

  it('a reply leaves on the channel and identity of the message it answers (SMS by Twilio)', async () => {
    const { conversationId } = await customerWrites({ channel: 'sms', provider: 'twilio', from: '(415) 555-0199', text: 'Is the shop open on Sunday?' });
    await engine.conversation(conversationId);
    const answer = await engine.api('POST', `/v1/conversations/${conversationId}/messages`, { text: 'Yes, 10 to 4.', authorId: 'agent-2' });
    expect(answer.status).toBe(202);
    await eventually('the Twilio call', () => apis.calls.some((c) => c.body.includes('Sunday') || new URLSearchParams(c.body).get('Body') === 'Yes, 10 to 4.'));
    const call = apis.calls.find((c) => new URLSearchParams(c.body).get('Body') === 'Yes, 10 to 4.')!;
    expect(call.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(Object.fromEntries(new URLSearchParams(call.body))).toMatchObject({ To: '+14155550199', From: TWILIO_FROM });
  });

  it('an Idempotency-Key makes a retried request the same message, delivered once', async () => {
    const { conversationId } = await customerWrites({ channel: 'sms', provider: 'twilio', from: '+14155550198', text: 'Hello?' });
    await engine.conversation(conversationId);
    const headers = { authorization: `Bearer ${Object.keys(config.http.apiKeys)[0]}`, 'idempotency-key': 'console-42' };
    const first = await engine.api('POST', `/v1/conversations/${conversationId}/messages`, { text: 'Hello from us', authorId: 'agent-2' }, headers);
    const second = await engine.api('POST', `/v1/conversations/${conversationId}/messages`, { text: 'Hello from us', authorId: 'agent-2' }, headers);
    expect(first.status).toBe(202);
    expect(second.body).toEqual(first.body);
    const { messageId } = first.body as { messageId: string };
    await eventually('sent', () => statusesOf(engine.harness.events, messageId).some((s) => s.status === 'sent'));
    expect(apis.calls.filter((c) => new URLSearchParams(c.body).get('Body') === 'Hello from us')).toHaveLength(1);
  });

  it('answers 401 without a key, 404 for an unknown conversation, 400 for a bad body', async () => {
    expect((await engine.api('POST', '/v1/conversations/cv_x/messages', { text: 'x', authorId: 'a' }, {})).status).toBe(401);
    const unknown = await engine.api('POST', '/v1/conversations/cv_nope/messages', { text: 'x', authorId: 'a' });
    expect(unknown).toMatchObject({ status: 404, body: { error: 'not_found' } });
    const bad = await engine.api('POST', '/v1/conversations/cv_nope/messages', { authorId: 'a' });
    expect(bad).toMatchObject({ status: 400, body: { error: 'bad_request' } });
  });

  it('refuses a reply on a resolved conversation (409) but takes an internal note, which is never delivered', async () => {
    const { conversationId, customer } = await customerWrites({ channel: 'sms', provider: 'twilio', from: '+14155550197', text: 'Thanks, all good' });
    await engine.conversation(conversationId);
    const at = time();
    await engine.harness.ctx.eventLog.append([
      createEvent({ type: 'conversation.resolved', source: '/tests', tenant: TENANT, customer, conversation: conversationId, time: at, data: { by: { kind: 'agent', id: 'agent-2' }, at, reason: 'agent' } }),
    ]);
    await engine.conversation(conversationId, (c) => c.status === 'resolved');

    const refused = await engine.api('POST', `/v1/conversations/${conversationId}/messages`, { text: 'One more thing', authorId: 'agent-2' });
    expect(refused).toMatchObject({ status: 409, body: { error: 'conversation_resolved', message: expect.stringContaining('resolved') } });
    const note = await engine.api('POST', `/v1/conversations/${conversationId}/messages`, { text: 'closed after call', authorId: 'agent-2', internal: true });
    expect(note.status).toBe(202);
    const { messageId } = note.body as { messageId: string };
    await eventually('the note on the log', () => sentOnLog(messageId) !== undefined);
    expect(sentOnLog(messageId)!.data.internal).toBe(true);
  });
});

describe('POST /v1/customers/:id/merge', () => {
  it('merges two customers: customer.merged on both keys, identities now lead to the survivor', async () => {
    const a = await customerWrites({ channel: 'chat', provider: 'webchat', from: 'visitor-token-aaaaaaaa', text: 'Hi, I am Jane' });
    const b = await customerWrites({ channel: 'chat', provider: 'webchat', from: 'visitor-token-bbbbbbbb', text: 'Jane again, other laptop' });
    await engine.customer(a.customer);
    await engine.customer(b.customer);

    const merged = await engine.api('POST', `/v1/customers/${a.customer}/merge`, { from: b.customer, by: 'agent-7' });
    expect(merged).toMatchObject({ status: 202, body: { survivor: a.customer, absorbed: b.customer, repointed: 1 } });
    const ids = (merged.body as { eventIds: string[] }).eventIds;
    await eventually('both merge events', () => engine.harness.events.filter((e) => ids.includes(e.id)).length === 2);
    const events = engine.harness.events.filter((e) => e.type === 'customer.merged' && ids.includes(e.id));
    expect(events.map((e) => e.customer).sort()).toEqual([a.customer, b.customer].sort());
    for (const e of events) expect(e.data).toEqual({ survivor: a.customer, absorbed: b.customer, by: { kind: 'agent', id: 'agent-7' } });

    expect(await engine.harness.ctx.identities.lookup(TENANT, 'webchat:visitor-token-bbbbbbbb')).toBe(a.customer);
    const next = await customerWrites({ channel: 'chat', provider: 'webchat', from: 'visitor-token-bbbbbbbb', text: 'Still there?' });
    expect(next.customer).toBe(a.customer);

    await engine.customer(b.customer, (c) => c.mergedInto === a.customer);
    expect(await engine.api('POST', `/v1/customers/${a.customer}/merge`, { from: b.customer })).toMatchObject({ status: 409, body: { error: 'already_merged', mergedInto: a.customer } });
    expect(await engine.api('POST', `/v1/customers/${b.customer}/merge`, { from: a.customer })).toMatchObject({ status: 409, body: { error: 'survivor_merged' } });
    expect(await engine.api('POST', `/v1/customers/${a.customer}/merge`, { from: a.customer })).toMatchObject({ status: 409, body: { error: 'same_customer' } });
    expect(await engine.api('POST', `/v1/customers/${a.customer}/merge`, { from: 'cus_unknown' })).toMatchObject({ status: 404 });
  });
});

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionRoutes } from '../../../src/api/actions/routes.ts';
import { twilioRoutes } from '../../../src/channels/twilio/routes.ts';
import type { Config } from '../../../src/config/schema.ts';
import { ChangeFeed } from '../../../src/projections/changes.ts';
import { liveKeys } from '../../../src/projections/keys.ts';
import type { DeliveredEntry } from '../../../src/projections/views.ts';
import { postAsTwilio, twilioInboundSms } from '../../../scripts/sim/doors.ts';
import { twilioStatusCallback } from '../../e2e/support/doors.ts';
import { eventually } from '../../support/collect.ts';
import { ACCOUNT_SID, AUTH_TOKEN, TENANT, TWILIO_FROM, outboundConfig, startEngine, startProviderApis, startSmtpSink, statusesOf } from './support.ts';

let config: Config;
let apis: Awaited<ReturnType<typeof startProviderApis>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let engine: Awaited<ReturnType<typeof startEngine>>;
let redis: Redis;

beforeAll(async () => {
  apis = await startProviderApis();
  smtp = await startSmtpSink();
  config = outboundConfig({ providerUrl: apis.url, smtpPort: smtp.port });
  engine = await startEngine(config, [actionRoutes, twilioRoutes]);
  redis = new Redis(config.redis.url);
});

afterAll(async () => {
  await engine?.close();
  // The change feed the fold worker wrote for this deployment.
  if (config) await redis?.del(liveKeys(config.instance).changes(TENANT));
  redis?.disconnect();
  await apis?.close();
  await smtp?.close();
});

const CUSTOMER_PHONE = '+14155550142';
const twilioPost = (path: string, params: Record<string, string>) => postAsTwilio(engine.harness.url, config.channels.publicUrl, AUTH_TOKEN, path, params);
const callback = (messageSid: string, status: string) => twilioStatusCallback({ accountSid: ACCOUNT_SID, messageSid, status, from: TWILIO_FROM, to: CUSTOMER_PHONE });

/** The transcript line of one message of ours, as GET /v1/conversations/:id shows it. */
async function lineOf(conversationId: string, messageId: string): Promise<DeliveredEntry | undefined> {
  const answer = await engine.api('GET', `/v1/conversations/${conversationId}`);
  if (answer.status !== 200) return undefined;
  return (answer.body as { transcript: DeliveredEntry[] }).transcript.find((line) => line.messageId === messageId);
}

/** Waits until the live fold committed (and announced) the event with this id; returns what the feed said. */
async function announced(eventId: string) {
  const feed = new ChangeFeed(redis, config.instance);
  let change: Awaited<ReturnType<ChangeFeed['since']>>[number] | undefined;
  await eventually(`the change feed announcing ${eventId}`, async () => {
    change = (await feed.since(TENANT, '0-0', 10_000)).find((c) => c.eventId === eventId);
    return change !== undefined;
  });
  return change!;
}

describe('delivery state on the conversation transcript', () => {
  it('given an agent’s SMS reply, then GET /v1/conversations/:id shows it sent, then delivered once Twilio’s signed callback says so, announced on the conversation', async () => {
    // The customer writes in by SMS, through Twilio's signed webhook.
    const inbound = twilioInboundSms({ accountSid: ACCOUNT_SID, messageSid: `SM${randomBytes(16).toString('hex')}`, from: CUSTOMER_PHONE, to: TWILIO_FROM, body: 'Is my order on its way?' });
    expect((await twilioPost('/webhooks/twilio/sms', inbound)).status).toBe(200);
    let conversationId = '';
    await eventually('the customer message on the log', () => {
      const event = engine.harness.events.find((e) => e.type === 'message.received' && e.data.providerMessageId === inbound.MessageSid);
      conversationId = event ? `cv_${event.id}` : '';
      return event !== undefined;
    });
    await engine.conversation(conversationId);

    // An agent answers through the API; the outbound role sends it through the Twilio stand-in.
    const answer = await engine.api('POST', `/v1/conversations/${conversationId}/messages`, { text: 'Yes, it ships today.', authorId: 'agent-7' });
    expect(answer.status).toBe(202);
    const { messageId } = answer.body as { messageId: string };
    await eventually('the Twilio call', () => apis.calls.some((c) => new URLSearchParams(c.body).get('Body') === 'Yes, it ships today.'));

    // Our connector's `sent` reaches the transcript line; it also links Twilio's SID to the message.
    await eventually('the line shown sent', async () => (await lineOf(conversationId, messageId))?.delivery?.status === 'sent');
    const sent = statusesOf(engine.harness.events, messageId).find((s) => s.status === 'sent')!;
    expect(sent.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    const line = (await lineOf(conversationId, messageId))!;
    expect(line).toMatchObject({ direction: 'out', channel: 'sms', provider: 'twilio', text: 'Yes, it ships today.', messageId, delivery: { status: 'sent', at: expect.any(String) } });
    expect(line.delivery!.error).toBeUndefined();
    // The customer's own line has no delivery.
    const { transcript } = (await engine.api('GET', `/v1/conversations/${conversationId}`)).body as { transcript: DeliveredEntry[] };
    expect(transcript.find((l) => l.direction === 'in')).not.toHaveProperty('delivery');

    // Twilio reports it delivered: the report names only its SID and the recipient.
    const delivered = await twilioPost('/webhooks/twilio/status', callback(sent.providerMessageId!, 'delivered'));
    expect(delivered.status).toBe(200);
    await eventually('the line shown delivered', async () => (await lineOf(conversationId, messageId))?.delivery?.status === 'delivered');
    const report = engine.harness.events.find((e) => e.type === 'message.status_updated' && e.data.providerMessageId === sent.providerMessageId && e.data.status === 'delivered')!;
    expect(report.conversation).toBeUndefined();
    expect((await lineOf(conversationId, messageId))!.delivery).toEqual({ status: 'delivered', at: new Date(report.time).toISOString() });
    // The fold knew the message's conversation, so the consoles' feed names it.
    expect(await announced(report.id)).toMatchObject({ type: 'message.status_updated', conversation: conversationId });

    // A late interim failure does not undo a delivery (the provider already said it arrived).
    expect((await twilioPost('/webhooks/twilio/status', callback(sent.providerMessageId!, 'undelivered'))).status).toBe(200);
    let failed: { id: string } | undefined;
    await eventually('the failure on the log', () => (failed = engine.harness.events.find((e) => e.type === 'message.status_updated' && e.data.providerMessageId === sent.providerMessageId && e.data.status === 'failed')) !== undefined);
    await announced(failed!.id);
    expect((await lineOf(conversationId, messageId))!.delivery).toMatchObject({ status: 'delivered' });
  });
});

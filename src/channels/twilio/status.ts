import { createEvent, deterministicEventId, type EventDataInput } from '../../../events/index.ts';
import type { CountryCode } from 'libphonenumber-js';
import type { ChannelContext } from '../context.ts';
import { isWhatsappUserId, normalisePhone, normaliseWhatsappUserId } from '../handles.ts';
import { param, type FormParams } from './form.ts';

type Status = EventDataInput<'message.status_updated'>['status'];

/** Twilio's message statuses that say something about delivery; the rest (sending, receiving, …) are steps in between. */
const statusMap = new Map<string, Status>([
  ['accepted', 'queued'],
  ['queued', 'queued'],
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  ['read', 'read'],
  ['failed', 'failed'],
  ['undelivered', 'failed'],
  ['canceled', 'failed'],
]);

export type StatusOutcome =
  | { status: 'appended'; eventId: string }
  | { status: 'duplicate'; eventId: string }
  | { status: 'ignored'; why: string }
  | { status: 'invalid'; reason: string };

/**
 * A status callback as `message.status_updated` on the customer the message went to (found by the
 * To number; a number we never saw is no customer of ours, so it is skipped). The event id is
 * derived from the SID and status, so Twilio's retries of one callback are one event.
 */
export async function appendTwilioStatus(ctx: ChannelContext, tenant: string, params: FormParams): Promise<StatusOutcome> {
  const sid = param(params, 'MessageSid') ?? param(params, 'SmsSid');
  const reported = (param(params, 'MessageStatus') ?? param(params, 'SmsStatus') ?? '').toLowerCase();
  if (!sid) return { status: 'invalid', reason: 'MessageSid is missing' };
  if (!reported) return { status: 'invalid', reason: 'MessageStatus is missing' };
  const status = statusMap.get(reported);
  if (!status) return { status: 'ignored', why: `status ${JSON.stringify(reported.slice(0, 40))} is not tracked` };

  const raw = param(params, 'To') ?? '';
  // A reply to a WhatsApp user known by id only went `To: whatsapp:US.…`.
  const to = isWhatsappUserId(raw) ? normaliseWhatsappUserId(raw) : normalisePhone(raw, ctx.config.channels.defaultCountry as CountryCode);
  if (!to.ok) return { status: 'ignored', why: `To is not a phone number or WhatsApp user id` };
  const customer = await ctx.identities.lookup(tenant, to.value.identityKey);
  if (!customer) return { status: 'ignored', why: 'no customer has the To number' };

  // A WhatsApp message's report (To "whatsapp:…") names the provider its message went out through.
  const whatsapp = /^whatsapp:/i.test(raw);
  const data: EventDataInput<'message.status_updated'> = whatsapp ? { channel: 'social', provider: 'twilio-whatsapp', providerMessageId: sid, status } : { channel: 'sms', provider: 'twilio', providerMessageId: sid, status };
  if (status === 'failed') data.error = errorText(params, reported);
  const id = deterministicEventId(tenant, 'twilio', sid, `status:${status}`);
  const appended = await ctx.ingestor.appendOnce(createEvent({ type: 'message.status_updated', id, source: '/adapters', tenant, customer, time: ctx.now(), data }));
  return appended === 'appended' ? { status: 'appended', eventId: id } : { status: 'duplicate', eventId: id };
}

function errorText(params: FormParams, reported: string): string {
  const code = param(params, 'ErrorCode');
  const message = param(params, 'ErrorMessage');
  const text = [code ? `Twilio error ${code}` : `Twilio status ${reported}`, message].filter(Boolean).join(': ');
  return text.slice(0, 1000);
}

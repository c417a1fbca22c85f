import { createEvent, deterministicEventId, type EventDataInput } from '../../../events/index.ts';
import type { ChannelContext } from '../context.ts';
import { normaliseHandle } from '../handles.ts';
import type { StatusReport } from './items.ts';

export type StatusOutcome = { status: 'appended' | 'duplicate'; eventId: string } | { status: 'skipped'; why: string };

/**
 * A provider's delivery report as `message.status_updated` on the customer it was sent to, found by
 * the recipient's identity (never created here: a recipient we never saw is not our customer). The
 * id is derived from the message (or recipient and watermark) and status, so Meta's retries of the
 * report are one event.
 */
export async function appendStatus(ctx: ChannelContext, tenant: string, report: StatusReport): Promise<StatusOutcome> {
  // WhatsApp recipient ids are numbers without '+', as in messages.
  const address = report.provider === 'whatsapp' && /^\d+$/.test(report.recipient) ? `+${report.recipient}` : report.recipient;
  const handle = normaliseHandle('social', report.provider, address);
  if (!handle.ok) return { status: 'skipped', why: handle.reason };
  const customer = await ctx.identities.lookup(tenant, handle.value.identityKey);
  if (!customer) return { status: 'skipped', why: 'no customer has the recipient address' };
  const data: EventDataInput<'message.status_updated'> = { channel: 'social', provider: report.provider, status: report.status };
  if (report.providerMessageId !== undefined) data.providerMessageId = report.providerMessageId;
  if (report.watermark !== undefined) data.watermark = report.watermark;
  if (report.error) data.error = report.error;
  // A watermark names no message: the recipient and the watermark make Meta's retries one event.
  const named = report.providerMessageId ?? `watermark:${handle.value.handle}:${report.watermark ?? ''}`;
  const id = deterministicEventId(tenant, report.provider, named, `status:${report.status}`);
  const appended = await ctx.ingestor.appendOnce(createEvent({ type: 'message.status_updated', id, source: '/adapters', tenant, customer, time: report.time, data }));
  return appended === 'appended' ? { status: 'appended', eventId: id } : { status: 'duplicate', eventId: id };
}

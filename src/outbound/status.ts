import { createEvent, deterministicEventId, type AnyEvent } from '../../events/index.ts';
import type { OutboundJobData } from './job.ts';

export type DeliveryStatus = 'queued' | 'sent' | 'failed';

/**
 * `message.status_updated` for our connector's outcome. One id per message and status, so a status
 * written again (a redelivered batch, a retried job) is a duplicate the fold drops.
 */
export function statusEvent(
  job: OutboundJobData,
  status: DeliveryStatus,
  time: Date,
  details: { providerMessageId?: string; error?: string; attempts?: number } = {},
): AnyEvent {
  return createEvent({
    type: 'message.status_updated',
    id: deterministicEventId(job.tenant, 'outbound', job.messageId, `status.${status}`),
    source: '/outbound',
    tenant: job.tenant,
    customer: job.customer,
    ...(job.conversation ? { conversation: job.conversation } : {}),
    causationid: job.eventId,
    time,
    data: {
      channel: job.channel,
      provider: job.provider,
      messageId: job.messageId,
      status,
      ...(details.providerMessageId ? { providerMessageId: details.providerMessageId } : {}),
      ...(details.error ? { error: details.error.slice(0, 1000) } : {}),
      ...(details.attempts !== undefined ? { attempts: details.attempts } : {}),
    },
  });
}

import { deterministicEventId, type EventEnvelope } from '../../events/index.ts';
import type { Channel } from '../domain/state.ts';

/** One outbound message to deliver: what the connector needs, copied from `message.sent`. */
export interface OutboundJobData {
  tenant: string;
  customer: string;
  conversation: string | null;
  /** The `message.sent` event: status events name it as their cause. */
  eventId: string;
  /** Our id of the message (data.messageId, or the event id when the producer gave none). */
  messageId: string;
  channel: Channel;
  provider: string;
  /** Recipient; null when the event left it to the conversation (resolved when delivering). */
  handle: string | null;
  text: string;
  subject: string | null;
  /** Provider id of the customer message answered (e-mail threading). */
  inReplyTo: string | null;
  author: { kind: 'agent' | 'bot' | 'system'; id: string };
  /** When it was written (the event's time). */
  at: string;
  /** Files sent with it, as on `message.sent` (storageKey: our attachment store's key); absent when none (and on jobs queued before files were sent). */
  attachments?: Array<{ filename: string; contentType: string; size: number; storageKey?: string }>;
}

/** Whether a logged `message.sent` is something to deliver: internal notes never leave. */
export function isDeliverable(event: { type: string; data: unknown }): event is EventEnvelope<'message.sent'> {
  return event.type === 'message.sent' && !(event as EventEnvelope<'message.sent'>).data.internal;
}

export function outboundJob(event: EventEnvelope<'message.sent'>): OutboundJobData {
  const d = event.data;
  return {
    tenant: event.tenant,
    customer: event.customer,
    conversation: event.conversation ?? null,
    eventId: event.id,
    messageId: d.messageId ?? event.id,
    channel: d.channel,
    provider: d.provider,
    handle: d.handle ?? null,
    text: d.text,
    subject: d.subject ?? null,
    inReplyTo: d.inReplyTo ?? null,
    author: d.author,
    at: event.time,
    ...(d.attachments?.length ? { attachments: d.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size, ...(a.storageKey ? { storageKey: a.storageKey } : {}) })) } : {}),
  };
}

/**
 * The job id of a message: derived from tenant and messageId, so the same message is one job
 * however often it is enqueued, while two tenants' equal messageIds (producers choose them) stay
 * apart. Hex, because BullMQ refuses ':' in custom ids.
 */
export function outboundJobId(tenant: string, messageId: string): string {
  return `out-${deterministicEventId(tenant, 'outbound', messageId)}`;
}

import type { EventEnvelope } from '../../../events/index.ts';

/**
 * What became of the customer's outbound messages, folded from `message.status_updated`: our
 * connector's outcomes (queued, sent with the provider's id, failed) and the providers' reports
 * (Twilio, Meta: they name the message by the provider's id alone). Pure, from event time only, so
 * live, rebuild and replay hold the same record; it lives in the customer's fold state (see
 * DESIGN.md, "Delivery state"), bounded by DELIVERY_MESSAGES_KEPT and UNMATCHED_REPORTS_KEPT.
 */

export type DeliveryStatus = EventEnvelope<'message.status_updated'>['data']['status'];

/** A message's delivery as far as anyone reported it: the state, when it got there (event time), and why it failed. */
export interface DeliveryState {
  status: DeliveryStatus;
  at: string;
  error?: string;
}

/** One outbound message of ours (never an internal note). */
export interface OutboundMessage {
  /** Our id: `message.sent` data.messageId, or the event id when the producer gave none. */
  messageId: string;
  /** The conversation its transcript line is in: where a report that names no conversation lands. */
  conversation: string;
  /** The provider's id, learnt from our connector's `sent`: how a provider's report finds the message. */
  providerMessageId?: string;
  /**
   * The provider it goes out through and when we wrote it (`message.sent`'s event time): how a
   * watermark receipt finds it. Absent on records folded before they were kept (no watermark applies).
   */
  provider?: string;
  sentAt?: string;
  /** Absent while nothing was reported (pending). */
  delivery?: DeliveryState;
}

export interface DeliveryRecord {
  /** The customer's latest outbound messages, oldest first. */
  messages: OutboundMessage[];
  /**
   * Providers' reports naming a provider id no message has yet: the provider's callback overtook
   * our connector's `sent` (which carries that id) on the log. Joined into the message when it comes.
   */
  unmatched: Array<{ providerMessageId: string; delivery: DeliveryState }>;
}

/**
 * Outbound messages whose delivery is tracked per customer. A console shows delivery on the lines of
 * the transcripts it reads (the latest 200 per conversation); reports come within seconds (read
 * receipts within days), so the latest 64 messages of a customer cover what still changes, and the
 * record, written with the customer's state on every commit, stays a few KB at most.
 */
export const DELIVERY_MESSAGES_KEPT = 64;
/** Reports waiting for their message's `sent`: a report that never matches (not our message) is let go. */
export const UNMATCHED_REPORTS_KEPT = 16;

/**
 * How far along a message is, as one total order, so that combining two reports is a maximum. A
 * maximum does not care about arrival order (a provider's callback overtaking our own `sent`, a
 * callback sent twice, reports of one message on two partitions' schedules), so the live fold,
 * a rebuild and a replay agree whatever the batches:
 *
 *   queued < sent         the usual path;
 *   sent < failed         the provider gave up after accepting it (Twilio `undelivered`), or our
 *                         connector's last attempt failed: that beats our own queued and sent;
 *   failed < delivered    a delivery or read report is the provider's evidence that the message
 *          < read         arrived, and beats any failure (our connector timed out while the provider
 *                         had taken it; a carrier's interim failure mended): the provider knows
 *                         better. A `failed` after `delivered` is an interim report come late.
 */
const RANK: Record<DeliveryStatus, number> = { queued: 0, sent: 1, failed: 2, delivered: 3, read: 4 };

/**
 * The state after both reports: the further one; at the same rank the earlier time (when the message
 * first got there), then the smaller error text. Commutative, associative and idempotent, so a
 * duplicate report changes nothing and the order reports arrive in does not matter.
 */
export function joinDelivery(current: DeliveryState | undefined, report: DeliveryState): DeliveryState {
  if (!current) return report;
  const byRank = RANK[report.status] - RANK[current.status];
  if (byRank !== 0) return byRank > 0 ? report : current;
  if (report.at !== current.at) return report.at < current.at ? report : current;
  return (report.error ?? '') < (current.error ?? '') ? report : current;
}

const sameState = (a: DeliveryState | undefined, b: DeliveryState) => a !== undefined && a.status === b.status && a.at === b.at && a.error === b.error;

const emptyRecord = (): DeliveryRecord => ({ messages: [], unmatched: [] });

/** A message of ours went out (`message.sent`, not an internal note) in this conversation. */
export function outboundMessageSent(fold: { delivery?: DeliveryRecord }, messageId: string, conversation: string, sent: { provider: string; at: string }): void {
  const r = (fold.delivery ??= emptyRecord());
  // The same message written twice (a producer's retry under a new event id) stays where it was first.
  if (!findMessage(r, messageId)) remember(r, { messageId, conversation, provider: sent.provider, sentAt: sent.at });
}

function remember(r: DeliveryRecord, message: OutboundMessage): OutboundMessage {
  r.messages.push(message);
  while (r.messages.length > DELIVERY_MESSAGES_KEPT) r.messages.shift();
  return message;
}

function findMessage(r: DeliveryRecord, messageId: string): OutboundMessage | undefined {
  for (let i = r.messages.length - 1; i >= 0; i--) if (r.messages[i]!.messageId === messageId) return r.messages[i];
  return undefined;
}

function findByProviderId(r: DeliveryRecord, providerMessageId: string): OutboundMessage | undefined {
  for (let i = r.messages.length - 1; i >= 0; i--) if (r.messages[i]!.providerMessageId === providerMessageId) return r.messages[i];
  return undefined;
}

/** The message whose delivery state a `message.status_updated` changed, and its conversation. */
export interface DeliveryChange {
  messageId: string;
  conversation: string;
}

/**
 * Folds one status report into the fold's record (made when first needed); returns the message
 * whose state changed, or null when nothing a reader sees changed.
 *
 * Our connector names the message by our id, and on `sent` also gives the provider's id; a
 * provider names it by its own id only. A report naming our id of a message the record lacks (sent
 * before the record existed, or long forgotten) starts one if the event names a conversation the
 * customer has; otherwise it has nowhere to go and changes nothing. A provider report whose id no
 * message has yet waits in `unmatched` until the `sent` that links it arrives.
 */
export function deliveryReported(
  fold: { delivery?: DeliveryRecord; customer: { conversationIds: string[] } | null },
  event: EventEnvelope<'message.status_updated'>,
  at: string,
): DeliveryChange | null {
  const d = event.data;
  const report: DeliveryState = d.error !== undefined ? { status: d.status, at, error: d.error } : { status: d.status, at };
  let message: OutboundMessage | undefined;
  if (d.messageId !== undefined) {
    message = fold.delivery && findMessage(fold.delivery, d.messageId);
    if (!message && event.conversation !== undefined && fold.customer?.conversationIds.includes(event.conversation)) {
      message = remember((fold.delivery ??= emptyRecord()), { messageId: d.messageId, conversation: event.conversation });
    }
  } else if (d.providerMessageId !== undefined) {
    message = fold.delivery && findByProviderId(fold.delivery, d.providerMessageId);
    // A provider's report ahead of our `sent`: kept by the provider's id until the link arrives.
    if (!message) holdUnmatched((fold.delivery ??= emptyRecord()), d.providerMessageId, report);
  }
  if (!message) return null;

  const record = fold.delivery!;
  const before = message.delivery;
  let next = joinDelivery(before, report);
  if (d.providerMessageId !== undefined && message.providerMessageId === undefined) {
    message.providerMessageId = d.providerMessageId;
    const waiting = record.unmatched.findIndex((u) => u.providerMessageId === d.providerMessageId);
    if (waiting >= 0) {
      next = joinDelivery(next, record.unmatched[waiting]!.delivery);
      record.unmatched.splice(waiting, 1);
    }
  }
  if (sameState(before, next)) return null;
  message.delivery = next;
  return { messageId: message.messageId, conversation: message.conversation };
}

/**
 * Folds a watermark receipt (`message.status_updated` with `watermark`): Messenger and Instagram
 * say "everything up to this time was read" (or delivered) rather than naming messages. It reaches
 * every kept message of the customer through that provider written at or before the watermark; each
 * joins the report as if named, so duplicates and order still change nothing. Our `message.sent`
 * time stands for the provider's time of the message (the provider stamps it on taking it, a moment
 * later): a message still with our connector when the customer read is counted as read too.
 * Returns the messages whose state changed, oldest first.
 */
export function watermarkReported(fold: { delivery?: DeliveryRecord }, event: EventEnvelope<'message.status_updated'>, at: string): DeliveryChange[] {
  const d = event.data;
  if (d.watermark === undefined || !fold.delivery) return [];
  const upTo = Date.parse(d.watermark);
  const report: DeliveryState = { status: d.status, at };
  const changes: DeliveryChange[] = [];
  for (const message of fold.delivery.messages) {
    if (message.provider !== d.provider || message.sentAt === undefined || Date.parse(message.sentAt) > upTo) continue;
    const next = joinDelivery(message.delivery, report);
    if (sameState(message.delivery, next)) continue;
    message.delivery = next;
    changes.push({ messageId: message.messageId, conversation: message.conversation });
  }
  return changes;
}

function holdUnmatched(r: DeliveryRecord, providerMessageId: string, report: DeliveryState): void {
  const waiting = r.unmatched.find((u) => u.providerMessageId === providerMessageId);
  if (waiting) {
    waiting.delivery = joinDelivery(waiting.delivery, report);
    return;
  }
  r.unmatched.push({ providerMessageId, delivery: report });
  if (r.unmatched.length > UNMATCHED_REPORTS_KEPT) r.unmatched.splice(0, r.unmatched.length - UNMATCHED_REPORTS_KEPT);
}

/** The known delivery of one conversation's messages, by our message id (a message absent: nothing reported yet). */
export function deliveryIn(record: DeliveryRecord | undefined, conversationId: string): Map<string, DeliveryState> {
  const found = new Map<string, DeliveryState>();
  for (const m of record?.messages ?? []) if (m.conversation === conversationId && m.delivery) found.set(m.messageId, m.delivery);
  return found;
}

import type { EventDataInput, EventEnvelope } from '../../../events/index.ts';
import { isStoredKey } from '../attachment-key.ts';
import type { TranscriptAttachment } from '../state.ts';

/**
 * What became of the files providers keep (Twilio, WhatsApp, Messenger, Instagram send a reference,
 * not the bytes): the outbound role fetches them into our store and says so on the log
 * (`message.attachment_stored`, `message.attachment_failed`). A transcript line is written once, when
 * its message is folded, so the fetch's outcome is kept beside it, per customer, as delivery reports
 * are (see delivery.ts), and joined into the line when a view is read. Pure, from events only.
 */

/** A fetch's outcome for one file: where the bytes are now, or why they never will be. */
export type MediaOutcome = { key: string; size: number; contentType: string } | { unavailable: string };

/** One inbound message whose files were at the provider when it was folded. */
export interface FetchedMessage {
  /** The `message.received` event's id. */
  message: string;
  /** The conversation its transcript line is in. */
  conversation: string;
  /** Outcomes by the attachment's index (as a string: the record is JSON). */
  files: Record<string, MediaOutcome>;
}

/**
 * The latest messages with provider-kept files of a customer. A fetch ends within minutes (its
 * retries), so the latest 64 cover what still changes, as for delivery; the outcome of an older one
 * is lost to the view, not to the log.
 */
export const FETCHED_MESSAGES_KEPT = 64;

export interface MediaRecord {
  messages: FetchedMessage[];
}

/** The transcript line's files as the event gives them: our key when the bytes are already with us. */
export function transcriptAttachments(attachments: EventDataInput<'message.received' | 'message.sent'>['attachments']): TranscriptAttachment[] | undefined {
  if (!attachments?.length) return undefined;
  return attachments.map((a) => {
    const line: TranscriptAttachment = { filename: a.filename, contentType: a.contentType, size: a.size };
    if (isStoredKey(a.storageKey)) line.key = a.storageKey;
    return line;
  });
}

/** A message with files still at the provider was folded into this conversation: its fetch's outcome will be joined to it. */
export function awaitMedia(fold: { media?: MediaRecord }, event: EventEnvelope<'message.received'>, conversation: string): void {
  if (!event.data.attachments?.some((a) => !isStoredKey(a.storageKey))) return;
  const r = (fold.media ??= { messages: [] });
  if (r.messages.some((m) => m.message === event.id)) return;
  r.messages.push({ message: event.id, conversation, files: {} });
  if (r.messages.length > FETCHED_MESSAGES_KEPT) r.messages.splice(0, r.messages.length - FETCHED_MESSAGES_KEPT);
}

/**
 * Folds a fetch's outcome; returns the message's conversation when a reader sees a change, null
 * otherwise (a message the record no longer has, a repeat). A file stored stays stored: a late
 * `failed` (a retry that lost a race with the one that stored it) changes nothing.
 */
export function mediaFetched(
  fold: { media?: MediaRecord },
  event: EventEnvelope<'message.attachment_stored' | 'message.attachment_failed'>,
): string | null {
  const d = event.data;
  const message = fold.media?.messages.find((m) => m.message === d.message);
  if (!message) return null;
  const before = message.files[d.index];
  if (before && 'key' in before) return null;
  const outcome: MediaOutcome = event.type === 'message.attachment_stored' ? { key: event.data.storageKey, size: event.data.size, contentType: event.data.contentType } : { unavailable: event.data.reason };
  if (before && 'unavailable' in before && 'unavailable' in outcome) return null;
  message.files[d.index] = outcome;
  return message.conversation;
}

/** The outcomes known for one conversation's messages, by message event id. */
export function mediaIn(record: MediaRecord | undefined, conversationId: string): Map<string, Record<string, MediaOutcome>> {
  const found = new Map<string, Record<string, MediaOutcome>>();
  for (const m of record?.messages ?? []) if (m.conversation === conversationId && Object.keys(m.files).length > 0) found.set(m.message, m.files);
  return found;
}

/** A line's files with what their fetches gave: the key, real size and type, or why they are unavailable. */
export function withOutcomes(attachments: readonly TranscriptAttachment[], files: Record<string, MediaOutcome>): TranscriptAttachment[] {
  return attachments.map((a, i) => {
    const outcome = files[i];
    if (!outcome) return a;
    if ('unavailable' in outcome) return { ...a, unavailable: outcome.unavailable };
    return { ...a, key: outcome.key, size: outcome.size, contentType: outcome.contentType };
  });
}

import type { Config } from '../config/schema.ts';
import { DEFAULT_MAX_RECORD_BYTES } from '../log/record-size.ts';
import type { InboundMessage } from './ingest.ts';

/**
 * What an event takes besides the message's own fields: the envelope's attributes (ids, tenant,
 * customer, source, time, versions), the record's key and its header copies. Generous: the
 * envelope's attributes are bounded (ids 256, customer 128, tenant 64 characters) and come to well
 * under 2 kB with key and headers.
 */
export const ENVELOPE_HEADROOM_BYTES = 8 * 1024;

/** Refused for size: the code every door answers (413) and keeps the input with. */
export const MESSAGE_TOO_LARGE = 'message_too_large';

/** The most a message's own fields may take as JSON: the record limit less the envelope's room. */
export function maxMessageBytes(config: Pick<Config, 'kafka'>): number {
  return (config.kafka.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES) - ENVELOPE_HEADROOM_BYTES;
}

/**
 * Why a message cannot be one event on the log, or undefined when it can. Checked by each door
 * before ingesting, so nothing (no customer, no claim) is made for a message that can never be
 * appended; measured as JSON, the way the event carries the fields (escapes included: a text of
 * control characters takes six bytes a character).
 */
export function messageTooLarge(message: Omit<InboundMessage, 'tenant' | 'time'>, config: Pick<Config, 'kafka'>): string | undefined {
  const limit = maxMessageBytes(config);
  const { from, text, subject, providerMessageId, threadKey, inReplyTo, attachments, language, provider } = message;
  // Cheap first: a text this long is too large whatever its escapes.
  const bytes =
    text.length > limit ? text.length : Buffer.byteLength(JSON.stringify({ from, text, subject, providerMessageId, threadKey, inReplyTo, attachments, language, provider }));
  if (bytes <= limit) return undefined;
  return `the message is ${text.length > limit ? 'more than ' : ''}${bytes} bytes as an event's data; the limit is ${limit} (kafka.maxRecordBytes less the envelope)`;
}

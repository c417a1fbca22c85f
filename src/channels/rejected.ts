import { createHash } from 'node:crypto';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { withinDeadline } from '../log/deadline.ts';
import { DEFAULT_MAX_RECORD_BYTES } from '../log/record-size.ts';

/** A raw input we refused, kept with the reason so nothing the provider sent is lost. */
export interface RejectedInput {
  tenant: string | null;
  provider: string;
  contentType: string | undefined;
  /** The input as received: bytes or text, never an object (serialising one may not end well). */
  body: Buffer | string;
  reason: string;
  /** When we received it (the adapter's clock: this is not an event of the log). */
  receivedAt: string;
  /** How many refused pieces the reason summarises (a webhook batch kept as one record). */
  items?: number;
  /**
   * Set when the input was taken all the same, as this event, and only the pieces the reason names
   * were left out or recorded as unknown (a Twilio message with a media field missing): the input is
   * on the log already and must not be replayed as a refusal.
   */
  eventId?: string;
}

export interface RejectedInputSink {
  keep(input: RejectedInput): Promise<void>;
  close(): Promise<void>;
}

/** At most this much of a refused body is kept; the rest is summarised by its size and hash. */
export const MAX_KEPT_BODY_BYTES = 256 * 1024;
/** Header values are copies for finding a record, not the record: bounded. */
const MAX_REASON_CHARS = 4000;
const MAX_HEADER_CHARS = 256;

export interface RejectedInputOptions {
  /** The largest record written (`kafka.maxRecordBytes`): the kept body stays well under it. */
  maxRecordBytes?: number;
  /** Keeping gives up after this long (the caller answers 503 so the provider retries). */
  timeoutMs?: number;
}

/**
 * Writes refused raw inputs to the rejected-input topic, reason and provider in headers. What is kept
 * is bounded whatever was sent: a body over the cap keeps its first bytes, with its full size and
 * SHA-256 in headers (`rejected_truncated`, `rejected_size`, `rejected_sha256`), so keeping a
 * refusal never fails for the refusal's size.
 */
export async function openRejectedInputSink(kafka: Kafka, topic: string, options: RejectedInputOptions = {}): Promise<RejectedInputSink> {
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const maxBody = Math.min(MAX_KEPT_BODY_BYTES, Math.floor((options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES) / 2));
  const timeoutMs = options.timeoutMs ?? 20_000;
  return {
    async keep(input) {
      await withinDeadline(producer.send({ topic, acks: -1, messages: [rejectedRecord(input, maxBody)] }), timeoutMs, {
        timeout: 'the rejected-input topic did not acknowledge',
        failed: 'the rejected-input topic refused the record',
      });
    },
    close: () => producer.disconnect(),
  };
}

/** The record a refusal is kept as: the body cut to `maxBody` bytes, every header bounded. */
export function rejectedRecord(input: RejectedInput, maxBody = MAX_KEPT_BODY_BYTES) {
  const bytes = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
  const truncated = bytes.length > maxBody;
  const headers: Record<string, string> = {
    rejected_reason: clip(input.reason, MAX_REASON_CHARS),
    rejected_provider: clip(input.provider, MAX_HEADER_CHARS),
    rejected_tenant: clip(input.tenant ?? '', MAX_HEADER_CHARS),
    rejected_content_type: clip(input.contentType ?? '', MAX_HEADER_CHARS),
    rejected_at: clip(input.receivedAt, MAX_HEADER_CHARS),
    rejected_size: String(bytes.length),
  };
  if (input.items !== undefined) headers.rejected_items = String(input.items);
  if (input.eventId !== undefined) headers.rejected_event_id = clip(input.eventId, MAX_HEADER_CHARS);
  if (truncated) {
    headers.rejected_truncated = `the first ${maxBody} of ${bytes.length} bytes are kept`;
    headers.rejected_sha256 = createHash('sha256').update(bytes).digest('hex');
  }
  return {
    key: `${clip(input.tenant ?? '-', MAX_HEADER_CHARS)}/${clip(input.provider, MAX_HEADER_CHARS)}`,
    value: truncated ? bytes.subarray(0, maxBody) : bytes,
    headers,
  };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

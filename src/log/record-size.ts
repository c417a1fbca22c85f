import type { Message } from 'kafkajs';

/**
 * The largest record the engine writes by default (`kafka.maxRecordBytes`): under the broker's
 * default `message.max.bytes` (1,048,588), with room left for the record batch's own framing and a
 * small companion event (a `customer.identified` goes in the same send as the first message).
 */
export const DEFAULT_MAX_RECORD_BYTES = 1_000_000;

/**
 * An event cannot be one Kafka record: sending it again can never succeed, so it is a refusal of the
 * input (413), never "the log is unavailable" (503, which a provider retries forever).
 */
export class RecordTooLargeError extends Error {
  override name = 'RecordTooLargeError';
  constructor(
    message: string,
    /** The record's size in bytes (key, value and headers), when known. */
    readonly bytes: number | undefined,
    readonly limit: number,
    /** The event's id and type, when it was ours to measure. */
    readonly event?: { id: string; type: string },
  ) {
    super(message);
  }
}

/** The bytes a record takes: key, value and every header name and value (the broker counts them all). */
export function recordBytes(message: Pick<Message, 'key' | 'value' | 'headers'>): number {
  let bytes = sizeOf(message.key) + sizeOf(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    bytes += Buffer.byteLength(name);
    for (const v of Array.isArray(value) ? value : [value]) bytes += sizeOf(v as string | Buffer | null | undefined);
  }
  return bytes;
}

function sizeOf(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/** Whether a Kafka client error (or one it caused) is the broker refusing a record for its size. */
export function isRecordTooLarge(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause ?? (e as { originalError?: unknown }).originalError, depth++) {
    const type = (e as { type?: unknown }).type;
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return true;
  }
  return false;
}

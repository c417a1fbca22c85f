/**
 * Which fold thread a record goes to: every event of a customer to the same one (the fold is per
 * customer, as on the live log, where the customer is the partition key). The reading thread must
 * decide without decoding or parsing the record (that is the fold threads' work), so it finds the
 * envelope's `"customer":"…"` in the record's bytes. That is only safe where it cannot be a key of
 * `data`, a repeated key or an escaped spelling: the match must be the only one, come before any
 * nested object, and its value must hold no escape. Records where that does not hold (other
 * writers' key order, spacing or escapes) are parsed here instead, so the answer is always the
 * envelope's customer, and the thread is a hash of its UTF-8 bytes either way.
 */

const NEEDLE = Buffer.from('"customer":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;

/** Where the envelope's customer lies in the record `[start, end)` of `bytes`, found without parsing; null when that is not safe. */
function customerSpan(bytes: Buffer, start: number, end: number): [number, number] | null {
  const at = bytes.indexOf(NEEDLE, start);
  if (at <= start || at >= end) return null;
  const from = at + NEEDLE.length;
  const to = bytes.indexOf(QUOTE, from);
  if (to === -1 || to >= end) return null;
  const nested = bytes.indexOf(OPEN_BRACE, start + 1);
  if (nested !== -1 && nested < at) return null;
  for (let i = from; i < to; i++) if (bytes[i] === BACKSLASH) return null;
  const again = bytes.indexOf(NEEDLE, from); // JSON.parse keeps the last of repeated keys
  if (again !== -1 && again < end) return null;
  return [from, to];
}

function parsedCustomer(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text);
    const customer = value !== null && typeof value === 'object' ? (value as { customer?: unknown }).customer : undefined;
    return typeof customer === 'string' ? customer : undefined;
  } catch {
    return undefined;
  }
}

/** The envelope's customer of an event record's JSON text; undefined when it has none (or is no JSON object). */
export function customerOfRecord(text: string): string | undefined {
  const bytes = Buffer.from(text);
  const span = customerSpan(bytes, 0, bytes.length);
  return span ? bytes.toString('utf8', span[0], span[1]) : parsedCustomer(text);
}

function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}

/** The thread (0…threads-1) of the record `[start, end)` of `bytes`; records without a customer go to thread 0, which reports them. */
export function shardOfRecord(bytes: Buffer, start: number, end: number, threads: number): number {
  if (threads === 1) return 0;
  const span = customerSpan(bytes, start, end);
  if (span) return fnv1a(bytes, span[0], span[1]) % threads;
  const customer = parsedCustomer(bytes.toString('utf8', start, end));
  if (customer === undefined) return 0;
  const own = Buffer.from(customer);
  return fnv1a(own, 0, own.length) % threads;
}

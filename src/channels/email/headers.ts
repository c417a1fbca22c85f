import type { HeaderLines } from 'mailparser';

/** Raw header values by lower-case name, unfolded, in message order (a header may repeat). */
export type RawHeaders = ReadonlyMap<string, readonly string[]>;

/** mailparser's raw lines (`Key: value`, folding kept) as a lookup by name. */
export function rawHeaders(lines: HeaderLines): RawHeaders {
  const out = new Map<string, string[]>();
  for (const { key, line } of lines) {
    const colon = line.indexOf(':');
    const value = (colon >= 0 ? line.slice(colon + 1) : '').replace(/\r?\n[ \t]+/g, ' ').trim();
    const list = out.get(key) ?? [];
    list.push(value);
    out.set(key, list);
  }
  return out;
}

export function firstHeader(headers: RawHeaders, name: string): string | undefined {
  return headers.get(name)?.[0];
}

/** The longest id we put in an event (the event contract allows 998 printable characters). */
const MAX_ID = 998;

/** An id as events carry it: no control characters, bounded; null when nothing usable is left. */
export function cleanId(raw: string): string | null {
  const id = raw.replace(/[\x00-\x1f\x7f]/g, '').trim();
  return id.length > 0 && id.length <= MAX_ID ? id : null;
}

/**
 * The message ids of a Message-ID, In-Reply-To or References value, angle brackets kept (the form
 * mail headers use, so an outbound reply can copy them as they are). A value without brackets
 * counts as one id only when it is a single word with an `@` (old clients write prose such as
 * "your message of Monday" into In-Reply-To).
 */
export function messageIds(value: string | undefined): string[] {
  if (!value) return [];
  const bracketed = value.match(/<[^<>]*>/g);
  const ids = bracketed ?? (/^\S+@\S+$/.test(value.trim()) ? [value.trim()] : []);
  return ids.map((id) => cleanId(id)).filter((id): id is string => id !== null && id !== '<>');
}

/** Oldest credible year of a Date header; earlier ones are typos or parser artefacts. */
const MIN_YEAR = 1900;
/** Clocks drift, and time zones are misconfigured; beyond this a future Date is not believed. */
const MAX_FUTURE_MS = 24 * 3600 * 1000;

/**
 * The Date header when it is a real date, else null. mailparser replaces an unparsable Date with
 * the parse time, so the raw header is read here; comments such as `(PDT)` are dropped first.
 */
export function headerDate(value: string | undefined, receivedAt: Date): Date | null {
  if (!value) return null;
  const date = new Date(value.replace(/\([^)]*\)/g, ' ').replace(/\s+/g, ' ').trim());
  const ms = date.getTime();
  if (Number.isNaN(ms) || date.getUTCFullYear() < MIN_YEAR || ms > receivedAt.getTime() + MAX_FUTURE_MS) return null;
  return date;
}

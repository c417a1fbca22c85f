/**
 * Reading events fast without trusting blindly. Full validation (zod, every field) costs several
 * microseconds an event, more than the whole replay budget. Events on our log and in our exports
 * were validated when they were written (`createEvent`, `POST /v1/events`, the adapters), so replay
 * checks what the fold relies on from the envelope (the attributes it keys and orders by, a known
 * type at its current data version, a data object) and trusts `data`; anything that fails the
 * cheap check, or carries an older data version that needs upcasting, goes through the full
 * parser, which validates and upcasts exactly as the live consumer does. `--strict` validates all.
 */
import { catalogue, parseEvent, parseEventJson, type AnyEvent, type ParseResult } from '../../events/index.ts';

const CURRENT_VERSION: Record<string, number> = Object.fromEntries(Object.entries(catalogue).map(([type, def]) => [type, def.version]));
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

type Loose = Record<string, unknown> & { data?: unknown };

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function plausible(v: Loose): boolean {
  const version = CURRENT_VERSION[v.type as string];
  return (
    v.specversion === '1.0' &&
    isText(v.id) &&
    isText(v.tenant) &&
    isText(v.customer) &&
    isText(v.time) &&
    RFC3339.test(v.time) &&
    version !== undefined &&
    (v.dataversion === undefined || v.dataversion === version) &&
    (v.conversation === undefined || isText(v.conversation)) &&
    typeof v.data === 'object' &&
    v.data !== null &&
    !Array.isArray(v.data)
  );
}

export type EventReader = (text: string) => ParseResult;

/** The fast path described above. */
export const readTrusted: EventReader = (text) => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return parseEventJson(text);
  }
  if (value !== null && typeof value === 'object' && plausible(value as Loose)) {
    const event = value as Loose;
    event.dataversion = CURRENT_VERSION[event.type as string];
    return { ok: true, event: event as unknown as AnyEvent };
  }
  return parseEvent(value);
};

/** Every event through the full parser (validation and upcasting), as the live consumer reads. */
export const readStrict: EventReader = (text) => parseEventJson(text);

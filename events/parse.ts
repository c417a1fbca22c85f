import type { z } from 'zod';
import { assertValidCatalogue, catalogue, type Catalogue, type EventType } from './catalogue.ts';
import {
  envelopeSchema,
  SPEC_VERSION,
  type AnyEvent,
  type EnvelopeAttributes,
  type EnvelopeOf,
  type EventDataInput,
  type EventEnvelope,
} from './envelope.ts';
import { randomEventId } from './ids.ts';

export type ParseErrorCode = 'invalid_json' | 'invalid_envelope' | 'unknown_type' | 'invalid_data' | 'unsupported_version';

/** One problem, located by its path in the envelope (for example `['data', 'channel']`). */
export interface ParseIssue {
  path: (string | number)[];
  message: string;
  code: string;
}

export interface ParseError {
  code: ParseErrorCode;
  message: string;
  issues: ParseIssue[];
  /** The envelope attributes when they were valid, so a rejected event can still be logged or dead-lettered with its tenant, customer and id. */
  envelope?: EnvelopeAttributes;
}

export interface ParseSuccess<E = AnyEvent> {
  ok: true;
  event: E;
}
export interface ParseFailure {
  ok: false;
  error: ParseError;
}
export type ParseResult<E = AnyEvent> = ParseSuccess<E> | ParseFailure;

export type EventParser<C extends Catalogue> = (input: unknown) => ParseResult<EnvelopeOf<C>>;

/**
 * Builds a parser for a catalogue (the real one is `parseEvent`; tests and tools may build their own).
 * Throws if the catalogue is inconsistent, which is a programming error.
 */
export function createEventParser<C extends Catalogue>(c: C): EventParser<C> {
  assertValidCatalogue(c);
  return (input) => {
    const parsed = envelopeSchema.safeParse(input);
    if (!parsed.success) return invalid('invalid_envelope', 'invalid envelope', fromZod(parsed.error.issues));
    const { data, ...envelope } = parsed.data;
    const { type } = envelope;
    const def = Object.hasOwn(c, type) ? c[type] : undefined;
    if (!def) {
      return failure('unknown_type', `unknown event type ${type}`, [issue(['type'], `unknown event type ${type}`, 'unknown_type')], envelope);
    }

    const written = envelope.dataversion ?? 1;
    if (written > def.version) {
      const message = `${type} dataversion ${written} is newer than this reader knows (${def.version}); upgrade the reader`;
      return failure('unsupported_version', message, [issue(['dataversion'], message, 'unsupported_version')], envelope);
    }

    // The data as given, not the record schema's copy of it: the copy drops an own `__proto__` key
    // (assigning it sets the prototype instead), and the strict schema of the type must see it to
    // refuse it as the unknown attribute it is.
    const given = (input as { data: Record<string, unknown> }).data;
    // One step at a time, so each upcaster only ever knows two adjacent versions.
    let current = Object.hasOwn(given, '__proto__') ? given : data;
    for (let v = written; v < def.version; v++) {
      try {
        current = def.upcasters[v]!(current, envelope);
      } catch (err) {
        const message = `upcasting ${type} data from version ${v} to ${v + 1} failed: ${err instanceof Error ? err.message : String(err)}`;
        return failure('invalid_data', message, [issue(['data'], message, 'upcast_failed')], envelope);
      }
    }

    const result = def.schema.safeParse(current);
    if (!result.success) {
      const from = written === def.version ? '' : ` (upcast from version ${written})`;
      const issues = fromZod(result.error.issues, ['data']);
      return invalid('invalid_data', `invalid ${type} data, version ${def.version}${from}`, issues, envelope);
    }
    const event = { ...envelope, dataversion: def.version, data: result.data };
    return { ok: true, event: event as EnvelopeOf<C> };
  };
}

/** Validates (and upcasts) an envelope from anywhere: Kafka, HTTP, a file. Never throws. */
export const parseEvent: (input: unknown) => ParseResult = createEventParser(catalogue);

/** Like `parseEvent`, for JSON text; a syntax error is an `invalid_json` result. Never throws. */
export function parseEventJson(text: string): ParseResult {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return failure('invalid_json', `invalid JSON: ${message}`, [issue([], message, 'invalid_json')]);
  }
  return parseEvent(input);
}

export interface NewEvent<T extends EventType> {
  type: T;
  source: string;
  tenant: string;
  customer: string;
  /** From the triggering event or an injected clock, never read here (see DESIGN.md, Time). */
  time: string | Date;
  data: EventDataInput<T>;
  /** Defaults to a random id; pass `deterministicEventId(...)` when a provider gave an id. */
  id?: string;
  conversation?: string;
  causationid?: string;
  correlationid?: string;
  /** The event this one reacts to: sets `causationid` to its id and inherits its correlation id (or starts one from its id). */
  causedBy?: Pick<EnvelopeAttributes, 'id' | 'correlationid'>;
  /** Who caused it, as the server authenticated them (CloudEvents authcontext). */
  auth?: Pick<EnvelopeAttributes, 'authtype' | 'authid' | 'authclaims'>;
}

/** Thrown by `createEvent`; carries the same error a parser would return. */
export class EventValidationError extends Error {
  constructor(readonly error: ParseError) {
    super(error.message);
    this.name = 'EventValidationError';
  }
}

/**
 * Builds and validates an event in our own code (workflow steps, adapters). Unlike the parsers it
 * throws `EventValidationError`, because invalid input here is a bug, not bad outside data.
 */
export function createEvent<T extends EventType>(input: NewEvent<T>): EventEnvelope<T> {
  const { causedBy, time } = input;
  const envelope = {
    specversion: SPEC_VERSION,
    id: input.id ?? randomEventId(),
    source: input.source,
    type: input.type,
    time: time instanceof Date ? time.toISOString() : time,
    tenant: input.tenant,
    customer: input.customer,
    conversation: input.conversation,
    causationid: input.causationid ?? causedBy?.id,
    correlationid: input.correlationid ?? (causedBy ? (causedBy.correlationid ?? causedBy.id) : undefined),
    dataversion: catalogue[input.type].version,
    authtype: input.auth?.authtype,
    authid: input.auth?.authid,
    authclaims: input.auth?.authclaims,
    data: input.data,
  };
  // Drop absent optionals so the envelope serialises without `undefined` holes.
  const compact = Object.fromEntries(Object.entries(envelope).filter(([, v]) => v !== undefined));
  const result = parseEvent(compact);
  if (!result.ok) throw new EventValidationError(result.error);
  return result.event as EventEnvelope<T>;
}

function issue(path: (string | number)[], message: string, code: string): ParseIssue {
  return { path, message, code };
}

/** Zod issues as plain JSON; an unknown key gets its own issue whose path ends in that key. */
function fromZod(issues: readonly z.core.$ZodIssue[], prefix: (string | number)[] = []): ParseIssue[] {
  return issues.flatMap((i) => {
    const path = [...prefix, ...i.path.map((p) => (typeof p === 'number' ? p : String(p)))];
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((key) => issue([...path, key], `unknown attribute ${key}`, i.code));
    }
    return [issue(path, i.message, i.code)];
  });
}

/** A failure from schema issues: the message lists the first few, for logs and 4xx bodies. */
function invalid(code: ParseErrorCode, summary: string, issues: ParseIssue[], envelope?: EnvelopeAttributes) {
  const shown = issues.slice(0, 5).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`);
  const more = issues.length > shown.length ? ` (+${issues.length - shown.length} more)` : '';
  return failure(code, `${summary}: ${shown.join('; ')}${more}`, issues, envelope);
}

function failure(code: ParseErrorCode, message: string, issues: ParseIssue[], envelope?: EnvelopeAttributes): ParseFailure {
  const error: ParseError = envelope ? { code, message, issues, envelope } : { code, message, issues };
  return { ok: false, error };
}

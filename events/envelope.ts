import { z } from 'zod';
import { EVENT_TYPE_PATTERN, type Catalogue, type catalogue, type EventType } from './catalogue.ts';

export const SPEC_VERSION = '1.0';

/** Ids, tenants and customers end up in keys, headers and logs: no control characters there. */
const printable = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\x00-\x1f\x7f]+$/, 'must not contain control characters');

/**
 * CloudEvents 1.0 attributes plus our extensions, everything but `data`. Strict: an unknown or
 * misspelled attribute (say `correlationId`) is rejected rather than silently dropped.
 */
export const envelopeAttributesSchema = z.strictObject({
  specversion: z.literal(SPEC_VERSION),
  id: printable(256),
  source: printable(256),
  type: z.string().max(128).regex(EVENT_TYPE_PATTERN, 'must be a dot-separated lowercase name such as message.received'),
  time: z.iso.datetime({ offset: true }),
  /** Allowed because CloudEvents SDKs set it; our data is always JSON. */
  datacontenttype: z.literal('application/json').optional(),
  tenant: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'must contain only letters, digits, dot, underscore and hyphen'),
  customer: printable(128),
  conversation: printable(128).optional(),
  causationid: printable(256).optional(),
  correlationid: printable(256).optional(),
  dataversion: z.number().int().positive().optional(),
});

/** The bare envelope: `data` is any JSON object until its type's schema has looked at it. */
export const envelopeSchema = envelopeAttributesSchema.extend({
  data: z.record(z.string(), z.unknown()),
});

export type EnvelopeAttributes = z.output<typeof envelopeAttributesSchema>;
export type RawEnvelope = z.output<typeof envelopeSchema>;

/** A validated event of catalogue `C`: `type` discriminates `data`; `dataversion` is the current one. */
export type EnvelopeOf<C extends Catalogue, T extends keyof C & string = keyof C & string> = T extends unknown
  ? Omit<EnvelopeAttributes, 'type' | 'dataversion'> & {
      type: T;
      dataversion: number;
      data: z.output<C[T]['schema']>;
    }
  : never;

export type EventEnvelope<T extends EventType = EventType> = EnvelopeOf<typeof catalogue, T>;
/** Discriminated union over all event types: narrow with `event.type === '...'`. */
export type AnyEvent = EventEnvelope;
export type EventData<T extends EventType> = z.output<(typeof catalogue)[T]['schema']>;
/** What a producer writes for `data` (defaults such as `internal: false` may be left out). */
export type EventDataInput<T extends EventType> = z.input<(typeof catalogue)[T]['schema']>;

/** Kafka message key: one customer's events share a partition, hence their order. */
export function partitionKey(e: Pick<EnvelopeAttributes, 'tenant' | 'customer'>): string {
  return `${e.tenant}/${e.customer}`;
}

/** Event time in epoch milliseconds (fractions below a millisecond are dropped). */
export function eventTimeMs(e: Pick<EnvelopeAttributes, 'time'>): number {
  return Date.parse(e.time);
}

/** Kafka header names. The value (the JSON envelope) is authoritative; headers are copies for routing and filtering without parsing. */
export const KAFKA_HEADERS = {
  contentType: 'content-type',
  specversion: 'ce_specversion',
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  time: 'ce_time',
  tenant: 'ce_tenant',
  dataversion: 'ce_dataversion',
} as const;

/** CloudEvents Kafka binding, structured mode: this content type says the value is the whole envelope. */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';

export interface KafkaRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** The Kafka message for an event, independent of any Kafka client library. */
export function toKafkaRecord(e: AnyEvent): KafkaRecord {
  return {
    key: partitionKey(e),
    value: JSON.stringify(e),
    headers: {
      [KAFKA_HEADERS.contentType]: STRUCTURED_CONTENT_TYPE,
      [KAFKA_HEADERS.specversion]: e.specversion,
      [KAFKA_HEADERS.id]: e.id,
      [KAFKA_HEADERS.source]: e.source,
      [KAFKA_HEADERS.type]: e.type,
      [KAFKA_HEADERS.time]: e.time,
      [KAFKA_HEADERS.tenant]: e.tenant,
      [KAFKA_HEADERS.dataversion]: String(e.dataversion),
    },
  };
}

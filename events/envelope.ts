import type { z } from 'zod';
import type { EnvelopeAttributes } from './attributes.ts';
import type { Catalogue, catalogue, EventType } from './catalogue.ts';

export { SPEC_VERSION, envelopeAttributesSchema, envelopeSchema, type EnvelopeAttributes, type RawEnvelope } from './attributes.ts';

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

import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { type AnyEvent, KAFKA_HEADERS, parseEventJson, type ParseResult, toKafkaRecord } from '../../events/index.ts';

export const headerNames = KAFKA_HEADERS;

/** The Kafka message of an event: the contract's mapping (events/README.md), in kafkajs' shape. */
export function toRecord(event: AnyEvent): Message {
  return toKafkaRecord(event);
}

/** Decodes a record's value; a bad record is a typed failure, never an exception. */
export function fromRecord(message: KafkaMessage): ParseResult {
  if (message.value === null) {
    return { ok: false, error: { code: 'invalid_json', message: 'record has no value (tombstone)', issues: [] } };
  }
  return parseEventJson(message.value.toString('utf8'));
}

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

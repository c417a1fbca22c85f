export {
  catalogue,
  catalogueProblems,
  assertValidCatalogue,
  isEventType,
  EVENT_TYPE_PATTERN,
  type Catalogue,
  type EventDefinition,
  type EventType,
  type Upcaster,
} from './catalogue.ts';
export {
  envelopeSchema,
  envelopeAttributesSchema,
  partitionKey,
  eventTimeMs,
  toKafkaRecord,
  KAFKA_HEADERS,
  SPEC_VERSION,
  STRUCTURED_CONTENT_TYPE,
  type AnyEvent,
  type EnvelopeAttributes,
  type EnvelopeOf,
  type EventData,
  type EventDataInput,
  type EventEnvelope,
  type KafkaRecord,
  type RawEnvelope,
} from './envelope.ts';
export {
  parseEvent,
  parseEventJson,
  createEvent,
  createEventParser,
  EventValidationError,
  type EventParser,
  type NewEvent,
  type ParseError,
  type ParseFailure,
  type ParseSuccess,
  type ParseErrorCode,
  type ParseIssue,
  type ParseResult,
} from './parse.ts';
export { deterministicEventId, randomEventId } from './ids.ts';
export {
  attachmentSchema,
  authorSchema,
  channelSchema,
  messageReceivedData,
  messageSentData,
  providerSchema,
} from './types/message.ts';
export { SEALED_PREFIX, SEALED_PATTERN, KEY_ID_PATTERN, isSealed, sealable } from './sealed.ts';

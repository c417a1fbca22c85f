import { z } from 'zod';

export const SPEC_VERSION = '1.0';

/** Lowercase dot-separated segments, for example `message.received`, `sla.breached`. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;

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
  /**
   * CloudEvents' authcontext extension: who caused the event, as the server authenticated them.
   * `authtype` `user` (a person signed in: `authid` is their account id) or `api_key` (`authid` is
   * the key's id); `authclaims` a JSON object of what else is known (agent, role, how they came).
   * Set by the API on what people and integrations do; never a secret.
   */
  authtype: z.enum(['user', 'api_key', 'system', 'unauthenticated']).optional(),
  authid: printable(256).optional(),
  authclaims: z.string().max(2048).optional(),
});

/** The bare envelope: `data` is any JSON object until its type's schema has looked at it. */
export const envelopeSchema = envelopeAttributesSchema.extend({
  data: z.record(z.string(), z.unknown()),
});

export type EnvelopeAttributes = z.output<typeof envelopeAttributesSchema>;
export type RawEnvelope = z.output<typeof envelopeSchema>;


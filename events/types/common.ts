import { z } from 'zod';

/** Ids end up in Kafka headers, Redis keys and log lines: printable only. */
export const idSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\x00-\x1f\x7f]+$/, 'must not contain control characters');

export const prioritySchema = z.enum(['low', 'normal', 'high', 'urgent']);

/** Who acted: an agent or supervisor, a bot, the system (a workflow step), or the customer. */
export const actorSchema = z.strictObject({
  kind: z.enum(['agent', 'bot', 'system', 'customer']),
  id: idSchema,
});

export const slaMetricSchema = z.enum(['firstResponse', 'nextResponse', 'resolution']);

export const timeSchema = z.iso.datetime({ offset: true });

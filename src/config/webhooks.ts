import { z } from 'zod';
import { durationSchema } from '../domain/duration.ts';
import { eventPatternProblem } from '../../events/patterns.ts';

const eventPattern = z.string().superRefine((pattern, ctx) => {
  const problem = eventPatternProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** One subscriber: which tenant's events of which types go, signed with its secret, to its URL. */
const subscriptionSchema = z.object({
  /** Stable name of the subscription: part of every delivery's Webhook-Id, so never reuse one. */
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" or "-", at most 64'),
  /** The tenant whose events are sent, or `*` for every tenant. */
  tenant: z.union([z.literal('*'), z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a tenant id or *')]),
  url: z.url({ protocol: /^https?$/, error: 'an absolute http:// or https:// URL' }),
  /** Shared with the subscriber, who checks Webhook-Signature with it. */
  secret: z.string().min(16, 'at least 16 characters (a random string; the subscriber verifies signatures with it)'),
  /** Event types (`sla.breached`), prefixes (`conversation.*`) or `*`. */
  events: z.array(eventPattern).min(1, 'at least one event type or pattern'),
});

export type WebhookSubscription = z.infer<typeof subscriptionSchema>;

/** The `webhooks` section of the engine config: the role's queue and group, and the subscriptions. */
export const webhooksConfigSchema = z.object({
  /** BullMQ queue of delivery jobs. */
  queue: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  /** Kafka consumer group of the webhooks role on the event topic. */
  consumerGroup: z.string().min(1),
  /** Delivery attempts per event and subscription, the first included. */
  attempts: z.number().int().min(1).max(100),
  /** First retry delay; each next one doubles. */
  backoff: durationSchema,
  /** A subscriber slower than this to answer counts as failed (and is retried). */
  timeout: durationSchema,
  concurrency: z.number().int().min(1).max(256),
  /** Where a new consumer group starts: false in production (a fresh group must not re-send history). */
  fromBeginning: z.boolean(),
  subscriptions: z
    .array(subscriptionSchema)
    .default([])
    .superRefine((subscriptions, ctx) => {
      // The id is the delivery's identity: two subscriptions under one id would share Webhook-Ids.
      const seen = new Set<string>();
      subscriptions.forEach((s, i) => {
        if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `"${s.id}" is the id of an earlier subscription` });
        seen.add(s.id);
      });
    }),
});

export type WebhooksConfig = z.infer<typeof webhooksConfigSchema>;

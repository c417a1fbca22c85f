import { createHash } from 'node:crypto';
import type { AnyEvent } from '../../events/index.ts';
import { matchesEventType } from '../../events/patterns.ts';
import type { WebhookSubscription } from '../config/webhooks.ts';

/** One event for one subscription: a BullMQ job, retried until the subscriber took it. */
export interface WebhookDelivery {
  /** The idempotency key, sent as Webhook-Id and used as the job id. */
  deliveryId: string;
  subscriptionId: string;
  tenant: string;
  eventId: string;
  eventType: string;
  /**
   * The request body: the event envelope as JSON, serialised once when queued, so every attempt
   * sends (and signs) the same bytes. The URL and secret are looked up per attempt instead: they
   * stay out of Redis, and a corrected URL applies to the retries still to come.
   */
  body: string;
}

/**
 * The id of the delivery of one event to one subscription: `whd_` and the first 128 bits, in
 * lowercase hex, of SHA-256 over `JSON.stringify([subscriptionId, tenant, eventId])` (event ids are
 * unique within a tenant only). Frozen: subscribers dedupe on it, across our deploys too. Stable
 * across every re-read and retry, so BullMQ keeps one job per delivery and the subscriber sees one id.
 */
export function webhookDeliveryId(subscriptionId: string, tenant: string, eventId: string): string {
  const digest = createHash('sha256').update(JSON.stringify([subscriptionId, tenant, eventId])).digest('hex');
  return `whd_${digest.slice(0, 32)}`;
}

export function subscribes(subscription: WebhookSubscription, event: Pick<AnyEvent, 'tenant' | 'type'>): boolean {
  return (subscription.tenant === '*' || subscription.tenant === event.tenant) && subscription.events.some((p) => matchesEventType(p, event.type));
}

/** The deliveries one event calls for: one per subscription that wants it. */
export function deliveriesFor(subscriptions: readonly WebhookSubscription[], event: AnyEvent): WebhookDelivery[] {
  const wanting = subscriptions.filter((s) => subscribes(s, event));
  if (wanting.length === 0) return [];
  const body = JSON.stringify(event);
  return wanting.map((s) => ({
    deliveryId: webhookDeliveryId(s.id, event.tenant, event.id),
    subscriptionId: s.id,
    tenant: event.tenant,
    eventId: event.id,
    eventType: event.type,
    body,
  }));
}

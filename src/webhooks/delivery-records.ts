import type { Redis } from 'ioredis';
import { webhookKeys } from '../projections/keys.ts';
import type { WebhookDelivery } from './delivery.ts';

/**
 * The last status of each delivery:
 *
 *   queued ─2xx─▶ delivered
 *     │ └─408, 429, 5xx, timeout, unreachable─▶ retrying ─…─▶ delivered | failed (attempts used up)
 *     └─any other answer (4xx, 3xx)─▶ failed (no retry can mend it)
 *
 * Operators read it (`HGETALL` of `webhookKeys(instance).delivery(tenant, Webhook-Id)`, see
 * projections/keys.ts); the role reads it to skip settled deliveries when the log is read again
 * after their jobs were removed.
 */
export type DeliveryStatus = 'queued' | 'retrying' | 'delivered' | 'failed';

export interface DeliveryRecord {
  status: DeliveryStatus;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  /** Attempts made so far. */
  attempts: number;
  /** The subscriber's last HTTP status; null when it did not answer. */
  httpStatus: number | null;
  /** Why the last attempt failed. */
  error: string | null;
  /** When the status was written (ISO 8601). */
  at: string;
}

/** Kept well beyond the week BullMQ keeps a finished job, so a late re-read is still recognised. */
const RECORD_TTL_SECONDS = 30 * 24 * 3600;

export class DeliveryRecords {
  private readonly keys: ReturnType<typeof webhookKeys>;

  constructor(
    private readonly redis: Redis,
    instance: string,
  ) {
    this.keys = webhookKeys(instance);
  }

  key(tenant: string, deliveryId: string): string {
    return this.keys.delivery(tenant, deliveryId);
  }

  /** Deliveries that are done with, for good or ill: a re-read must not queue them again. */
  async settled(deliveries: readonly WebhookDelivery[]): Promise<boolean[]> {
    if (deliveries.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const d of deliveries) pipeline.hget(this.key(d.tenant, d.deliveryId), 'status');
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([err, status]) => !err && (status === 'delivered' || status === 'failed'));
  }

  /** `queued`, unless the delivery already has a status (a re-read must not reset an outcome). */
  async queued(deliveries: readonly WebhookDelivery[], at: Date): Promise<void> {
    if (deliveries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const d of deliveries) {
      const key = this.key(d.tenant, d.deliveryId);
      pipeline.hsetnx(key, 'status', 'queued');
      pipeline.hsetnx(key, 'at', at.toISOString());
      pipeline.hset(key, 'subscriptionId', d.subscriptionId, 'eventId', d.eventId, 'eventType', d.eventType);
      pipeline.expire(key, RECORD_TTL_SECONDS);
    }
    await pipeline.exec();
  }

  async write(delivery: WebhookDelivery, outcome: { status: DeliveryStatus; attempts: number; httpStatus: number | null; error: string | null; at: Date }): Promise<void> {
    const key = this.key(delivery.tenant, delivery.deliveryId);
    await this.redis
      .multi()
      .hset(key, {
        status: outcome.status,
        subscriptionId: delivery.subscriptionId,
        eventId: delivery.eventId,
        eventType: delivery.eventType,
        attempts: String(outcome.attempts),
        httpStatus: outcome.httpStatus === null ? '' : String(outcome.httpStatus),
        error: (outcome.error ?? '').slice(0, 1000),
        at: outcome.at.toISOString(),
      })
      .expire(key, RECORD_TTL_SECONDS)
      .exec();
  }

  async read(tenant: string, deliveryId: string): Promise<DeliveryRecord | null> {
    const h = await this.redis.hgetall(this.key(tenant, deliveryId));
    if (!h.status) return null;
    return {
      status: h.status as DeliveryStatus,
      subscriptionId: h.subscriptionId ?? '',
      eventId: h.eventId ?? '',
      eventType: h.eventType ?? '',
      attempts: Number(h.attempts ?? 0),
      httpStatus: h.httpStatus ? Number(h.httpStatus) : null,
      error: h.error || null,
      at: h.at ?? '',
    };
  }
}

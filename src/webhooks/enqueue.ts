import type { Queue } from 'bullmq';
import type { EventBatch } from '../log/consumer.ts';
import type { WebhookCounters } from './counters.ts';
import type { DeliveryRecords } from './delivery-records.ts';
import { deliveriesFor, type WebhookDelivery } from './delivery.ts';
import { WEBHOOK_BACKOFF } from './processor.ts';
import type { WebhookSettings } from './settings.ts';

const KEEP_SECONDS = 7 * 24 * 3600;

export interface WebhookEnqueueDeps {
  queue: Queue<WebhookDelivery>;
  records: DeliveryRecords;
  counters: WebhookCounters;
  settings: Pick<WebhookSettings, 'attempts' | 'backoffMs' | 'subscriptions'>;
  now?: () => Date;
}

/**
 * The consumer side of the role: every event a subscription wants becomes one delivery job, its id
 * the delivery id. A batch read again (a crash before the commit, offsets reset) adds nothing:
 * BullMQ keeps one job per id while it keeps the job (a week), and deliveries already settled are
 * skipped by their record after that. The group's offsets are committed only once the jobs exist.
 */
export function webhookBatchHandler(deps: WebhookEnqueueDeps): (batch: EventBatch) => Promise<void> {
  const now = deps.now ?? (() => new Date());
  return async (batch) => {
    const deliveries = batch.events.flatMap(({ event }) => deliveriesFor(deps.settings.subscriptions, event));
    if (deliveries.length === 0) return;
    const settled = await deps.records.settled(deliveries);
    const fresh = deliveries.filter((_, i) => !settled[i]);
    deps.counters.add('skippedSettled', deliveries.length - fresh.length);
    if (fresh.length === 0) return;

    await deps.records.queued(fresh, now());
    await deps.queue.addBulk(
      fresh.map((data) => ({
        name: `${data.subscriptionId}/${data.eventType}`,
        data,
        opts: {
          jobId: data.deliveryId,
          attempts: deps.settings.attempts,
          backoff: { type: WEBHOOK_BACKOFF, delay: deps.settings.backoffMs },
          removeOnComplete: { age: KEEP_SECONDS },
          removeOnFail: { age: KEEP_SECONDS },
        },
      })),
    );
    deps.counters.add('queued', fresh.length);
    await batch.heartbeat();
  };
}

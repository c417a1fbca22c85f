import { UnrecoverableError, type Job } from 'bullmq';
import { SEALED_PREFIX } from '../../events/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { WebhookCounters } from './counters.ts';
import type { DeliveryRecords } from './delivery-records.ts';
import type { WebhookDelivery } from './delivery.ts';
import { postWebhook } from './post.ts';
import type { WebhookSettings } from './settings.ts';

export interface WebhookProcessorDeps {
  records: DeliveryRecords;
  counters: WebhookCounters;
  settings: Pick<WebhookSettings, 'subscriptions' | 'timeoutMs'>;
  logger: Logger;
  /** Opens sealed fields for the tenant's own integration; the job in Redis keeps them sealed. */
  open?: <T>(tenant: string, value: T) => Promise<T>;
  now?: () => Date;
}

export type WebhookOutcome = { delivered: 'now' | 'before'; httpStatus: number | null; attempts: number };

/** A retryable failure; `retryAfterMs` is the subscriber's own Retry-After, when it gave one. */
export class RetryLater extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The back-off type delivery jobs are queued with: see `webhookBackoff`. */
export const WEBHOOK_BACKOFF = 'webhook';

/**
 * The delay before the next attempt: exponential from the configured first delay, or the
 * subscriber's Retry-After when that is longer (a 429 or 503 saying when to come back is obeyed,
 * up to an hour).
 */
export function webhookBackoff(attemptsMade: number, firstDelayMs: number, err: Error | undefined): number {
  const exponential = firstDelayMs * 2 ** Math.max(0, attemptsMade - 1);
  const asked = err instanceof RetryLater ? (err.retryAfterMs ?? 0) : 0;
  return Math.max(exponential, asked);
}

/**
 * One attempt of one delivery. Delivery is at least once: a worker that dies after the subscriber
 * answered but before the record was written sends again, with the same Webhook-Id, which is what
 * the subscriber dedupes on. Retryable failures throw, and BullMQ retries with exponential back-off
 * (or after the subscriber's Retry-After, when longer);
 * a permanent one, or the last attempt, throws UnrecoverableError after recording `failed`.
 */
export function webhookProcessor(deps: WebhookProcessorDeps) {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'webhooks' });

  return async (job: Job<WebhookDelivery>): Promise<WebhookOutcome> => {
    const delivery = job.data;
    const attempt = job.attemptsMade + 1;
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    // Never the URL or the body in a log line: URLs carry tokens, bodies personal data.
    const context = { deliveryId: delivery.deliveryId, subscription: delivery.subscriptionId, tenant: delivery.tenant, eventId: delivery.eventId, eventType: delivery.eventType, attempt };

    const before = await deps.records.read(delivery.tenant, delivery.deliveryId);
    if (before?.status === 'delivered') return { delivered: 'before', httpStatus: before.httpStatus, attempts: before.attempts };

    // Looked up per attempt: the secret stays out of Redis, and a subscription removed from the
    // config stops receiving at once rather than after its queued retries.
    const subscription = deps.settings.subscriptions.find((s) => s.id === delivery.subscriptionId);
    if (!subscription) return fail('permanent', null, `subscription "${delivery.subscriptionId}" is no longer configured`);

    const sentAt = now();
    const result = await postWebhook({
      url: subscription.url,
      secret: subscription.secret,
      deliveryId: delivery.deliveryId,
      body: deps.open && delivery.body.includes(SEALED_PREFIX) ? JSON.stringify(await deps.open(delivery.tenant, JSON.parse(delivery.body) as unknown)) : delivery.body,
      timestampSeconds: Math.floor(sentAt.getTime() / 1000),
      timeoutMs: deps.settings.timeoutMs,
    });

    if (result.outcome === 'delivered') {
      await deps.records.write(delivery, { status: 'delivered', attempts: attempt, httpStatus: result.httpStatus, error: null, at: now() });
      deps.counters.add('delivered');
      log.info({ ...context, httpStatus: result.httpStatus }, 'webhook delivered');
      return { delivered: 'now', httpStatus: result.httpStatus, attempts: attempt };
    }
    if (result.outcome === 'retry' && !lastAttempt) {
      await deps.records.write(delivery, { status: 'retrying', attempts: attempt, httpStatus: result.httpStatus, error: result.error, at: now() });
      deps.counters.add('retried');
      log.warn({ ...context, httpStatus: result.httpStatus, reason: result.error }, 'webhook attempt failed; will retry');
      throw new RetryLater(result.error, result.retryAfterMs);
    }
    return fail(result.outcome, result.httpStatus, result.error);

    async function fail(kind: 'permanent' | 'retry', httpStatus: number | null, error: string): Promise<never> {
      await deps.records.write(delivery, { status: 'failed', attempts: attempt, httpStatus, error, at: now() });
      deps.counters.add(kind === 'permanent' ? 'failedPermanently' : 'failedAfterRetries');
      log.error({ ...context, httpStatus, reason: error }, kind === 'permanent' ? 'webhook refused; not retried' : 'webhook failed after the last attempt');
      throw new UnrecoverableError(error);
    }
  };
}

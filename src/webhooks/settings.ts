import type { Config } from '../config/schema.ts';
import type { WebhookSubscription } from '../config/webhooks.ts';

/** How the webhooks role runs: the config's `webhooks` section, overridable per role (tests). */
export interface WebhookSettings {
  queue: string;
  consumerGroup: string;
  /** Attempts per delivery, the first included. */
  attempts: number;
  /** First retry delay; each next one doubles. */
  backoffMs: number;
  /** A subscriber slower than this counts as failed (and is retried). */
  timeoutMs: number;
  concurrency: number;
  /**
   * Where a new consumer group starts. False in production: subscriptions receive events from the
   * time the role first ran, not the topic's whole history; tests on a fresh topic start at the beginning.
   */
  fromBeginning: boolean;
  subscriptions: WebhookSubscription[];
  /** How often the running counters are logged. */
  countersIntervalMs: number;
}

export function webhookSettings(config: Config, overrides: Partial<WebhookSettings> = {}): WebhookSettings {
  const w = config.webhooks;
  return {
    queue: w.queue,
    consumerGroup: w.consumerGroup,
    attempts: w.attempts,
    backoffMs: w.backoff,
    timeoutMs: w.timeout,
    concurrency: w.concurrency,
    fromBeginning: w.fromBeginning,
    subscriptions: w.subscriptions,
    countersIntervalMs: 60_000,
    ...overrides,
  };
}

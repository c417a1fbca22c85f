import type { Config } from '../config/schema.ts';

/** How the outbound role runs: the config's `outbound` section, overridable per role (tests). */
export interface OutboundSettings {
  /** BullMQ queue of delivery jobs. */
  queue: string;
  /** Kafka consumer group reading `message.sent` off the event topic. */
  consumerGroup: string;
  /** Delivery attempts per message, the first included. */
  attempts: number;
  /** First retry delay; each next one doubles. */
  backoffMs: number;
  /** Deliveries a worker process runs at once. */
  concurrency: number;
  /** A provider call slower than this counts as failed (and is retried). */
  providerTimeoutMs: number;
  /**
   * Where a new consumer group starts. False in production: a fresh outbound group must not
   * deliver the topic's whole history again; tests on a fresh topic start at the beginning.
   */
  fromBeginning: boolean;
}

export function outboundSettings(config: Config, overrides: Partial<OutboundSettings> = {}): OutboundSettings {
  const o = config.outbound;
  return {
    queue: o.queue,
    consumerGroup: o.consumerGroup,
    attempts: o.attempts,
    backoffMs: o.backoff,
    concurrency: o.concurrency,
    providerTimeoutMs: o.providerTimeout,
    fromBeginning: o.fromBeginning,
    ...overrides,
  };
}

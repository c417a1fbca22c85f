import type { Config } from '../config/schema.ts';

/** How the outbound role runs. Not in the config schema yet: defaults here, overridable per role. */
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
  return {
    queue: 'outbound',
    consumerGroup: `${config.instance}-outbound`,
    // 1 + 2 + 4 + ... + 64 s: a provider outage of about two minutes is ridden out.
    attempts: 8,
    backoffMs: 1000,
    concurrency: 16,
    providerTimeoutMs: 15_000,
    fromBeginning: false,
    ...overrides,
  };
}

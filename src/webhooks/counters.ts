import type { Logger } from '../observability/logger.ts';
import { countWebhook } from '../observability/metrics.ts';

export type CounterName = 'queued' | 'skippedSettled' | 'delivered' | 'retried' | 'failedPermanently' | 'failedAfterRetries';

/**
 * The role's running totals: logged as one `webhook counters` line per interval (only when
 * something changed) and when the role stops, and counted for Prometheus as they change
 * (`cs_webhook_deliveries_total`); per-delivery detail is in the delivery records and the
 * per-attempt log lines.
 */
export class WebhookCounters {
  private readonly totals: Record<CounterName, number> = { queued: 0, skippedSettled: 0, delivered: 0, retried: 0, failedPermanently: 0, failedAfterRetries: 0 };
  private loggedAt = -1;
  private changes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly logger: Logger) {}

  add(name: CounterName, by = 1): void {
    if (by === 0) return;
    this.totals[name] += by;
    this.changes++;
    countWebhook(name, by);
  }

  snapshot(): Readonly<Record<CounterName, number>> {
    return { ...this.totals };
  }

  /** Logs the totals if they changed since the last line. */
  flush(): void {
    if (this.changes === this.loggedAt) return;
    this.loggedAt = this.changes;
    this.logger.info({ counters: this.snapshot() }, 'webhook counters');
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.flush(), intervalMs);
    // Counting must not keep a stopping process alive.
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }
}

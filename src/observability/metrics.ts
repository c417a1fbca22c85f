import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { AnyEvent } from '../../events/index.ts';

/**
 * The engine's Prometheus metrics: one registry per process, every metric defined here and recorded
 * through the functions below, one line at each seam (README, Operations: metrics and health;
 * docs/operations.md lists them with the alerts worth setting). Label values are the engine's own
 * bounded vocabulary (sources, event types, error codes, queue and group names, route patterns):
 * never a tenant, a customer, a handle or anything a request carried.
 */
export const metricsRegistry = new Registry();

let processMetrics = false;
/**
 * prom-client's process and Node.js metrics (CPU, memory, event-loop lag, GC), under their usual
 * names. Turned on by whatever serves /metrics, so the `cs` command and the specs measure nothing.
 */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: metricsRegistry });
}

const registers = [metricsRegistry];
/** From 1 ms to 10 s: HTTP answers, fold batches and jobs alike. */
const SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Waits that are seconds when healthy and minutes when something is stuck. */
const WAIT_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

const appended = new Counter({
  name: 'cs_events_appended_total',
  help: 'Events Kafka acknowledged, by the engine source that wrote them (external: any other, from POST /v1/events) and type',
  labelNames: ['source', 'type'],
  registers,
});
const appendFailures = new Counter({
  name: 'cs_event_append_failures_total',
  help: 'Appends that failed: Kafka did not acknowledge in time or refused (unavailable), or the broker refused a record as too large',
  labelNames: ['reason'],
  registers,
});
const rejected = new Counter({
  name: 'cs_events_rejected_total',
  help: 'Requests a door refused, by door and the stable error code it answered (5xx codes: not taken now, the sender retries)',
  labelNames: ['door', 'code'],
  registers,
});
const folded = new Counter({
  name: 'cs_events_folded_total',
  help: 'Events the fold workers took from fold jobs: applied to the projections, or skipped as already applied or duplicate',
  labelNames: ['outcome'],
  registers,
});
const foldBatchSeconds = new Histogram({ name: 'cs_fold_batch_duration_seconds', help: 'Time to fold and commit one fold job', buckets: SECONDS, registers });
const deadLetters = new Counter({ name: 'cs_dead_letters_total', help: 'Records set aside on the dead-letter topic, by parse failure code', labelNames: ['code'], registers });
const jobSeconds = new Histogram({ name: 'cs_job_duration_seconds', help: 'Time a BullMQ job ran, by queue and outcome (completed, failed)', labelNames: ['queue', 'outcome'], buckets: SECONDS, registers });
const jobWaitSeconds = new Histogram({
  name: 'cs_job_wait_seconds',
  help: 'Time from a job being queued (after any delay it was queued with) to its last start, by queue: back-offs and waits for the fold included',
  labelNames: ['queue'],
  buckets: WAIT_SECONDS,
  registers,
});
const pumped = new Counter({ name: 'cs_workflow_pumped_total', help: 'Workflow steps and due timers the pump moved into the workflow queue', labelNames: ['kind'], registers });
const timerFireDelay = new Histogram({
  name: 'cs_workflow_timer_fire_delay_seconds',
  help: 'How late a due timer (SLA warning or breach, auto-resolve) was pumped after the moment it was due to fire',
  buckets: WAIT_SECONDS,
  registers,
});
const slaWarnings = new Counter({ name: 'cs_sla_warnings_total', help: 'sla.warned events the workflow appended, by SLA metric', labelNames: ['metric'], registers });
const slaBreaches = new Counter({ name: 'cs_sla_breaches_total', help: 'sla.breached events the workflow appended, by SLA metric', labelNames: ['metric'], registers });
const outboundDeliveries = new Counter({
  name: 'cs_outbound_deliveries_total',
  help: 'Delivery attempts of replies to providers, by channel, provider and result (delivered, retried, failed: for good)',
  labelNames: ['channel', 'provider', 'result'],
  registers,
});
const webhookDeliveries = new Counter({
  name: 'cs_webhook_deliveries_total',
  help: 'Outbound webhook deliveries, by result (queued, delivered, retried, failed_permanently, failed_after_retries)',
  labelNames: ['result'],
  registers,
});
const httpSeconds = new Histogram({
  name: 'cs_http_request_duration_seconds',
  help: 'HTTP answers of the api, by method, route pattern (unmatched: no route) and status',
  labelNames: ['method', 'route', 'status'],
  buckets: SECONDS,
  registers,
});

/** The engine's own event sources; whatever else an adapter author writes through POST /v1/events is `external`. */
const ENGINE_SOURCES = new Set(['/adapters', '/api', '/api/accounts', '/survey-link', '/outbound', '/media']);
const sourceLabel = (source: string) => (ENGINE_SOURCES.has(source) ? source : source.startsWith('/workflow/') ? '/workflow' : 'external');

/** Events Kafka acknowledged; the SLA warnings and breaches among the workflow's are counted on their own too. */
export function countAppended(events: readonly AnyEvent[]): void {
  for (const event of events) {
    const source = sourceLabel(event.source);
    appended.inc({ source, type: event.type });
    if (source !== '/workflow') continue;
    if (event.type === 'sla.warned') slaWarnings.inc({ metric: event.data.metric });
    else if (event.type === 'sla.breached') slaBreaches.inc({ metric: event.data.metric });
  }
}

export const countAppendFailure = (reason: 'unavailable' | 'too_large') => appendFailures.inc({ reason });

/** Codes are the engine's constants; anything else is folded into one value rather than trusted as a label. */
const CODE = /^[a-z0-9_]{1,48}$/;
export const countRejected = (door: string, code: string) => rejected.inc({ door, code: CODE.test(code) ? code : 'other' });

export const countDeadLetters = (codes: readonly string[]) => codes.forEach((code) => deadLetters.inc({ code: CODE.test(code) ? code : 'other' }));

/** Times one fold job and counts what it did with its events. */
export async function timeFold<R extends { applied: number; alreadyApplied: number; duplicates: number }>(fold: () => Promise<R>): Promise<R> {
  const end = foldBatchSeconds.startTimer();
  const result = await fold();
  end();
  folded.inc({ outcome: 'applied' }, result.applied);
  folded.inc({ outcome: 'already_applied' }, result.alreadyApplied);
  folded.inc({ outcome: 'duplicate' }, result.duplicates);
  return result;
}

/** What BullMQ tells of a job when it settles (its timestamps in ms). */
export interface SettledJob {
  timestamp: number;
  processedOn?: number | undefined;
  finishedOn?: number | undefined;
  opts: { delay?: number | undefined };
}

/** Run time and wait of a job that completed or failed (an attempt of it: each failed attempt counts). */
export function observeJob(queue: string, outcome: 'completed' | 'failed', job: SettledJob): void {
  if (job.processedOn === undefined) return;
  jobSeconds.observe({ queue, outcome }, Math.max(0, (job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
  jobWaitSeconds.observe({ queue }, Math.max(0, job.processedOn - job.timestamp - (job.opts.delay ?? 0)) / 1000);
}

export const countStepsPumped = (n: number) => pumped.inc({ kind: 'step' }, n);

/** Due timers pumped at `nowMs`, each with the moment it was to fire (ISO). */
export function countTimersPumped(firesAt: readonly string[], nowMs: number): void {
  pumped.inc({ kind: 'timer' }, firesAt.length);
  for (const at of firesAt) timerFireDelay.observe(Math.max(0, nowMs - Date.parse(at)) / 1000);
}

/** Providers are the connectors' names; one an event made up is not trusted as a label. */
const PROVIDER = /^[a-z0-9_-]{1,32}$/;
export const countOutboundDelivery = (channel: string, provider: string, result: 'delivered' | 'retried' | 'failed') =>
  outboundDeliveries.inc({ channel, provider: PROVIDER.test(provider) ? provider : 'other', result });

const WEBHOOK_RESULTS = { queued: 'queued', delivered: 'delivered', retried: 'retried', failedPermanently: 'failed_permanently', failedAfterRetries: 'failed_after_retries' } as const;
/** The webhooks role's running totals (src/webhooks/counters.ts), those that are deliveries. */
export function countWebhook(counter: string, by: number): void {
  const result = (WEBHOOK_RESULTS as Record<string, string>)[counter];
  if (result) webhookDeliveries.inc({ result }, by);
}

export const observeHttpRequest = (method: string, route: string, status: number, seconds: number) => httpSeconds.observe({ method, route, status: String(status) }, seconds);

import { Gauge } from 'prom-client';
import { metricsRegistry } from './metrics.ts';

/**
 * Figures only a query can give (queue depths, consumer lag, the workflow pump's backlog), taken
 * when Prometheus scrapes rather than on a timer: nothing runs between scrapes, and a scrape sees
 * now. Each role registers what it can see (`watch…`, undone by the function returned); a source
 * that fails or does not answer within SOURCE_TIMEOUT_MS leaves its series out of that scrape, so a
 * Redis or Kafka outage shows as missing series and readiness failing, never as a hung scrape.
 */
const SOURCE_TIMEOUT_MS = 2_000;

type Unwatch = () => void;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A set of sources, each read at scrape; those that fail are left out. */
function sources<S>() {
  const all = new Set<S>();
  return {
    add(source: S): Unwatch {
      all.add(source);
      return () => void all.delete(source);
    },
    async read<R>(readOne: (source: S) => Promise<R>): Promise<R[]> {
      const settled = await Promise.allSettled([...all].map((s) => within(readOne(s), SOURCE_TIMEOUT_MS)));
      return settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    },
  };
}

/** The job states worth watching: work waiting, in hand, deferred, and failed for good. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** What a BullMQ Queue offers for counting (the queue's own name labels its series). */
export interface CountableQueue {
  readonly name: string;
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

const queues = sources<CountableQueue>();
new Gauge({
  name: 'cs_queue_jobs',
  help: 'BullMQ jobs per queue and state (waiting, active, delayed, failed), read at scrape',
  labelNames: ['queue', 'state'],
  registers: [metricsRegistry],
  async collect() {
    const counted = await queues.read(async (q) => ({ queue: q.name, counts: await q.getJobCounts(...QUEUE_STATES) }));
    this.reset();
    // Two roles of one process may watch the same queue: it is counted once.
    for (const { queue, counts } of new Map(counted.map((c) => [c.queue, c])).values()) for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state] ?? 0);
  },
});
export const watchQueue = (queue: CountableQueue): Unwatch => queues.add(queue);

export interface PartitionLag {
  partition: number;
  lag: number;
}

/** A consumer group the process runs: its current id (a rebuild moves the fold's), its topic, and how to ask the lag. */
export interface LagSource {
  group(): string;
  topic: string;
  lag(group: string, topic: string): Promise<PartitionLag[]>;
}

const lags = sources<LagSource>();
new Gauge({
  name: 'cs_consumer_group_lag',
  help: "Records of a partition the consumer group has not committed yet (the topic's end offset less the group's), read at scrape",
  labelNames: ['group', 'topic', 'partition'],
  registers: [metricsRegistry],
  async collect() {
    const read = await lags.read(async (s) => {
      const group = s.group();
      return { group, topic: s.topic, partitions: await s.lag(group, s.topic) };
    });
    this.reset();
    for (const { group, topic, partitions } of read) for (const p of partitions) this.set({ group, topic, partition: String(p.partition) }, p.lag);
  },
});
export const watchConsumerLag = (source: LagSource): Unwatch => lags.add(source);

/** What the fold's commits left for the workflow pump: steps not yet queued, timers due and not yet queued. */
export interface PumpBacklog {
  steps: number;
  timers: number;
}

const backlogs = sources<() => Promise<PumpBacklog>>();
new Gauge({
  name: 'cs_workflow_pump_backlog',
  help: 'Workflow steps the fold asked for, and timers due, that the pump has not moved into the workflow queue yet, read at scrape',
  labelNames: ['kind'],
  registers: [metricsRegistry],
  async collect() {
    const [backlog] = await backlogs.read((read) => read());
    this.reset();
    if (!backlog) return;
    this.set({ kind: 'steps' }, backlog.steps);
    this.set({ kind: 'timers' }, backlog.timers);
  },
});
export const watchPumpBacklog = (read: () => Promise<PumpBacklog>): Unwatch => backlogs.add(read);

/**
 * Replay on several threads. The fold threads parse, fold and tally the KPIs of their customers; at
 * the end their tallies are merged into one report (the figures are counts and exact value maps, so
 * any split of the customers gives the same report). Order is kept where it matters: a customer's
 * records reach one thread, in log order.
 *
 * - From a file, this thread reads the lines and deals each to a fold thread by its customer
 *   (shard.ts); reading and folding overlap on the machine's cores instead of taking turns, and
 *   memory stays bounded: the reader waits when too many batches are in flight.
 * - From Kafka, each fold thread consumes a share of the topic's partitions itself. A customer's
 *   records are on one partition (the record key is the customer), so a share of the partitions is
 *   a share of the customers. Dealing records from one kafkajs consumer left that consumer's thread
 *   the bottleneck (kafkajs decodes the fetched batches in JavaScript, most of a core at full rate);
 *   with a consumer per thread the decoding is spread over the cores too.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/schema.ts';
import { KpiAccumulator, type KpiOptions, type KpiTally } from '../domain/kpi/report.ts';
import type { ReplayStats } from './engine.ts';
import { readRecords } from './file-source.ts';
import { partitionRanges, replayKafka } from './kafka-source.ts';
import type { ReplayRun, SourceOptions } from './run.ts';
import { shardOfRecord } from './shard.ts';
import { tenantTargets } from './targets.ts';

/** What the fold threads are built from: plain data only. */
export interface ThreadSettings {
  tenants: Config['tenants'];
  autoResolveAfterMs?: number;
  /** Grouping and the FCR window; the service-score targets come from the tenants' settings. */
  kpi?: Partial<Omit<KpiOptions, 'targets'>>;
  since?: number;
  until?: number;
  tenant?: string;
  strict?: boolean;
  /** Fold threads; default: the machine's cores, at most 4. */
  threads?: number;
}

/**
 * A batch crosses threads as bytes, not strings: the records' UTF-8 back to back in one buffer that
 * is transferred (not copied), with each record's end offset, partition and reference (a line
 * number, or an offset in its partition). The reader never decodes a record.
 */
export type FromReader = { kind: 'batch'; bytes: ArrayBuffer; ends: Int32Array; partitions: Int32Array; refs: Float64Array } | { kind: 'finish' };
export type FromFold =
  | { kind: 'ack' }
  | { kind: 'progress'; records: number }
  | { kind: 'failed'; message: string }
  | { kind: 'done'; tally: KpiTally; stats: ReplayStats & { rejected: number }; firstRejections: Array<{ ref: string; message: string }> };

/** The partitions a fold thread consumes itself, and how to reach the broker. */
export interface TopicShare {
  kafka: Config['kafka'];
  topic: string;
  partitions: number[];
}

/** What a record's reference is: `line 12`, or `partition 3 offset 4567`. */
export type RefKind = 'line' | 'offset';

const BATCH = 2000;
const BATCH_BYTES = 1024 * 1024;
const IN_FLIGHT = 16;

class FoldThread {
  private readonly worker: Worker;
  private bytes = Buffer.allocUnsafeSlow(BATCH_BYTES);
  private used = 0;
  private ends: number[] = [];
  private partitions: number[] = [];
  private refs: number[] = [];
  private inFlight = 0;
  private wake: (() => void) | null = null;
  readonly done: Promise<Extract<FromFold, { kind: 'done' }>>;

  constructor(settings: ThreadSettings, refKind: RefKind, share?: TopicShare, onProgress?: (records: number) => void) {
    // From the TypeScript sources (tsx) the thread needs tsx too; compiled, it is plain JavaScript.
    const fromSources = import.meta.url.endsWith('.ts');
    const url = new URL(fromSources ? './fold-thread.ts' : './fold-thread.js', import.meta.url);
    const workerData = { settings, refKind, ...(share ? { share } : {}) };
    this.worker = fromSources
      ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`, { eval: true, workerData })
      : new Worker(url, { workerData });
    this.done = new Promise((resolve, reject) => {
      this.worker.on('message', (m: FromFold) => {
        if (m.kind === 'ack') {
          this.inFlight--;
          this.wake?.();
          this.wake = null;
        } else if (m.kind === 'progress') onProgress?.(m.records);
        else if (m.kind === 'failed') reject(new Error(`the replay could not read partitions ${share?.partitions.join(', ')}: ${m.message}`));
        else resolve(m);
      });
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`the replay's fold thread stopped (exit ${code})`)));
    });
    // Seen when finish() awaits it; until then a failure must not count as unhandled.
    this.done.catch(() => undefined);
  }

  /** The record `[start, end)` of `source`, copied into the next batch. */
  add(source: Uint8Array, start: number, end: number, partition: number, ref: number): void {
    const length = end - start;
    if (this.used + length > this.bytes.length) {
      if (this.ends.length > 0) this.flush();
      if (length > this.bytes.length) this.bytes = Buffer.allocUnsafeSlow(length);
    }
    this.bytes.set(start === 0 && end === source.length ? source : source.subarray(start, end), this.used);
    this.used += length;
    this.ends.push(this.used);
    this.partitions.push(partition);
    this.refs.push(ref);
    if (this.ends.length >= BATCH) this.flush();
  }

  flush(): void {
    if (this.ends.length === 0) return;
    const batch = { kind: 'batch' as const, bytes: this.bytes.buffer, ends: Int32Array.from(this.ends), partitions: Int32Array.from(this.partitions), refs: Float64Array.from(this.refs) };
    this.worker.postMessage(batch satisfies FromReader, [batch.bytes, batch.ends.buffer, batch.partitions.buffer, batch.refs.buffer]);
    this.inFlight++;
    this.bytes = Buffer.allocUnsafeSlow(BATCH_BYTES);
    this.used = 0;
    this.ends = [];
    this.partitions = [];
    this.refs = [];
  }

  /** Resolves once the thread has room: the reader's backpressure. */
  async room(): Promise<void> {
    while (this.inFlight >= IN_FLIGHT) await new Promise<void>((resolve) => (this.wake = resolve));
  }

  finish(): void {
    this.flush();
    this.worker.postMessage({ kind: 'finish' } satisfies FromReader);
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

export const defaultReplayThreads = () => Math.max(1, Math.min(availableParallelism(), 4));

class FoldPool {
  private readonly threads: FoldThread[];

  /** Fold threads fed by this one; or, with shares, one thread per share reading its partitions. */
  constructor(
    private readonly settings: ThreadSettings,
    refKind: RefKind,
    shares?: { shares: TopicShare[]; progress: (records: number) => void },
  ) {
    this.threads = shares
      ? shares.shares.map((share) => new FoldThread(settings, refKind, share, shares.progress))
      : Array.from({ length: settings.threads ?? defaultReplayThreads() }, () => new FoldThread(settings, refKind));
  }

  /** A record, dealt by its customer (see shard.ts). */
  add(source: Buffer, start: number, end: number, partition: number, ref: number): void {
    this.threads[shardOfRecord(source, start, end, this.threads.length)]!.add(source, start, end, partition, ref);
  }

  async room(): Promise<void> {
    for (const t of this.threads) await t.room();
  }

  async finish(source: SourceOptions): Promise<ReplayRun> {
    try {
      for (const t of this.threads) t.finish();
      const results = await Promise.all(this.threads.map((t) => t.done));
      const accumulator = new KpiAccumulator({ ...this.settings.kpi, targets: tenantTargets(this.settings) });
      // Sums; the peak in memory is the sum of the threads' peaks (an upper bound).
      const stats: ReplayRun['stats'] = { read: 0, folded: 0, duplicates: 0, skipped: 0, lateEvents: 0, customers: 0, conversations: 0, retired: 0, peakConversationsInMemory: 0, rejected: 0 };
      const rejections: Array<{ ref: string; message: string }> = [];
      for (const r of results) {
        accumulator.absorb(r.tally);
        for (const k of Object.keys(stats) as Array<keyof typeof stats>) stats[k] += r.stats[k];
        rejections.push(...r.firstRejections);
      }
      // Each thread reports its first ten; together, the first ten in reading order.
      rejections.sort((a, b) => a.ref.localeCompare(b.ref, 'en', { numeric: true }));
      for (const r of rejections.slice(0, 10)) source.rejected?.(r.ref, r.message);
      return { report: accumulator.report(), stats, tally: accumulator.tally() };
    } finally {
      await Promise.all(this.threads.map((t) => t.terminate()));
    }
  }
}

/** An NDJSON(.gz) export, read here and folded on the fold threads. */
export async function replayFileThreaded(path: string, settings: ThreadSettings, source: SourceOptions = {}): Promise<ReplayRun> {
  const fold = new FoldPool(settings, 'line');
  await readRecords(path, {
    record: (bytes, start, end, n) => fold.add(bytes, start, end, 0, n),
    afterChunk: () => fold.room(),
    ...(source.progress ? { progress: source.progress } : {}),
  });
  return fold.finish(source);
}

/**
 * The topic, each fold thread consuming and folding its share of the partitions; with `only`, of
 * those partitions alone (one process's share of a replay split over processes, see partial.ts).
 * Says which partitions it read up to which offset, and how many the topic has.
 */
export async function replayTopicThreaded(
  kafka: Config['kafka'],
  topic: string,
  settings: ThreadSettings,
  source: SourceOptions = {},
  only?: (partition: number) => boolean,
): Promise<ReplayRun & { read: Array<{ partition: number; last: number }>; partitionCount: number }> {
  const { shares, read, partitionCount } = await shareTopic(kafka, topic, settings.threads ?? defaultReplayThreads(), settings.since, only);
  const total = shares.reduce((sum, s) => sum + s.records, 0);
  let done = 0;
  const fold = new FoldPool(settings, 'offset', {
    shares: shares.map(({ partitions }) => ({ kafka, topic, partitions })),
    progress: (records) => source.progress?.((done += records), total),
  });
  return { ...(await fold.finish(source)), read, partitionCount };
}

/**
 * The topic's partitions split into at most `threads` shares of about equal records (largest
 * first, each to the share with the fewest so far). Partitions without records go nowhere; an
 * empty topic still gets one (empty) share, so the report has its usual shape.
 */
async function shareTopic(
  config: Config['kafka'],
  topic: string,
  threads: number,
  since?: number,
  only: (partition: number) => boolean = () => true,
): Promise<{ shares: Array<{ partitions: number[]; records: number }>; read: Array<{ partition: number; last: number }>; partitionCount: number }> {
  const admin = replayKafka(config).admin();
  await admin.connect();
  try {
    const partitionCount = (await admin.fetchTopicOffsets(topic)).length;
    const ranges = (await partitionRanges(admin, topic, since !== undefined ? { since } : {})).filter((r) => only(r.partition));
    const read = ranges.map((r) => ({ partition: r.partition, last: r.last })).sort((a, b) => a.partition - b.partition);
    const sized = ranges.map((r) => ({ partition: r.partition, records: r.last - r.from + 1 }));
    sized.sort((a, b) => b.records - a.records || a.partition - b.partition);
    const shares = Array.from({ length: Math.max(1, Math.min(threads, sized.length)) }, () => ({ partitions: [] as number[], records: 0 }));
    for (const p of sized) {
      const least = shares.reduce((min, s) => (s.records < min.records ? s : min));
      least.partitions.push(p.partition);
      least.records += p.records;
    }
    return { shares, read, partitionCount };
  } finally {
    await admin.disconnect();
  }
}

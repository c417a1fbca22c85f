/**
 * Replay on several threads: this one reads (the file's lines, or the topic's records through
 * kafkajs) and deals each record to a fold thread by its customer (shard.ts); the fold threads
 * parse, fold and tally the KPIs of their customers; at the end their tallies are merged into one
 * report (the figures are counts and exact value maps, so any split of the customers gives the same
 * report). Reading and folding overlap on the machine's cores instead of taking turns. Order is
 * kept where it matters: a customer's records reach one thread, in reading order. Memory stays
 * bounded: the reader waits when too many batches are in flight.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Kafka } from 'kafkajs';
import type { Config } from '../config/schema.ts';
import { KpiAccumulator, type KpiOptions, type KpiTally } from '../domain/kpi/report.ts';
import type { ReplayStats } from './engine.ts';
import { readRecords } from './file-source.ts';
import { readTopic } from './kafka-source.ts';
import type { ReplayRun, SourceOptions } from './run.ts';
import { shardOfKey, shardOfRecord } from './shard.ts';
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
type FromFold = { kind: 'ack' } | { kind: 'done'; tally: KpiTally; stats: ReplayStats & { rejected: number }; firstRejections: Array<{ ref: string; message: string }> };

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

  constructor(settings: ThreadSettings, refKind: RefKind) {
    // From the TypeScript sources (tsx) the thread needs tsx too; compiled, it is plain JavaScript.
    const fromSources = import.meta.url.endsWith('.ts');
    const url = new URL(fromSources ? './fold-thread.ts' : './fold-thread.js', import.meta.url);
    const workerData = { settings, refKind };
    this.worker = fromSources
      ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`, { eval: true, workerData })
      : new Worker(url, { workerData });
    this.done = new Promise((resolve, reject) => {
      this.worker.on('message', (m: FromFold) => {
        if (m.kind === 'ack') {
          this.inFlight--;
          this.wake?.();
          this.wake = null;
        } else resolve(m);
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

  constructor(
    private readonly settings: ThreadSettings,
    refKind: RefKind,
  ) {
    this.threads = Array.from({ length: settings.threads ?? defaultReplayThreads() }, () => new FoldThread(settings, refKind));
  }

  /** A record, dealt by its Kafka key when it has one (see shard.ts), else by its customer. */
  add(source: Buffer, start: number, end: number, partition: number, ref: number, key: Buffer | null = null): void {
    const thread = key !== null && key.length > 0 ? shardOfKey(key, this.threads.length) : shardOfRecord(source, start, end, this.threads.length);
    this.threads[thread]!.add(source, start, end, partition, ref);
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
      return { report: accumulator.report(), stats };
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

/** The topic, consumed here and folded on the fold threads. */
export async function replayTopicThreaded(kafka: Kafka, topic: string, settings: ThreadSettings, source: SourceOptions = {}): Promise<ReplayRun> {
  const fold = new FoldPool(settings, 'offset');
  await readTopic({
    kafka,
    topic,
    ...(settings.since !== undefined ? { since: settings.since } : {}),
    record: (message, partition, offset) => {
      if (message.value === null) source.rejected?.(`partition ${partition} offset ${message.offset}`, 'record has no value');
      else fold.add(message.value, 0, message.value.length, partition, offset, message.key);
    },
    afterBatch: () => fold.room(),
    ...(source.progress ? { progress: source.progress } : {}),
  });
  return fold.finish(source);
}

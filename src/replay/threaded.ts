/**
 * Replay on two threads: this one reads (the file's lines, or the topic's records through kafkajs),
 * the fold thread parses, folds and accumulates the report. Reading and folding then overlap on the
 * machine's cores instead of taking turns, which is what the Kafka replay needs to keep up with
 * kafkajs. Order is kept: one fold thread, records handed over in reading order. Memory stays
 * bounded: the reader waits when too many batches are in flight.
 */
import { Worker } from 'node:worker_threads';
import type { Kafka } from 'kafkajs';
import type { Config } from '../config/schema.ts';
import type { KpiOptions, KpiReport } from '../domain/kpi/report.ts';
import type { ReplayStats } from './engine.ts';
import { readLines } from './file-source.ts';
import { readTopic } from './kafka-source.ts';
import type { ReplayRun, SourceOptions } from './run.ts';

/** What the fold thread is built from: plain data only. */
export interface ThreadSettings {
  tenants: Config['tenants'];
  autoResolveAfterMs?: number;
  /** Grouping and the FCR window; the service-score targets come from the tenants' settings. */
  kpi?: Partial<Omit<KpiOptions, 'targets'>>;
  since?: number;
  until?: number;
  tenant?: string;
  strict?: boolean;
}

export type FromReader = { kind: 'batch'; texts: string[]; partitions: number[]; refs: string[] } | { kind: 'finish' };
type FromFold = { kind: 'ack' } | { kind: 'done'; report: KpiReport; stats: ReplayStats & { rejected: number }; firstRejections: Array<{ ref: string; message: string }> };

const BATCH = 2000;
const IN_FLIGHT = 16;

class FoldThread {
  private readonly worker: Worker;
  private texts: string[] = [];
  private partitions: number[] = [];
  private refs: string[] = [];
  private inFlight = 0;
  private wake: (() => void) | null = null;
  private done: Promise<Extract<FromFold, { kind: 'done' }>>;

  constructor(settings: ThreadSettings) {
    // From the TypeScript sources (tsx) the thread needs tsx too; compiled, it is plain JavaScript.
    const fromSources = import.meta.url.endsWith('.ts');
    const url = new URL(fromSources ? './fold-thread.ts' : './fold-thread.js', import.meta.url);
    this.worker = fromSources
      ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`, { eval: true, workerData: settings })
      : new Worker(url, { workerData: settings });
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
  }

  add(text: string, partition: number, ref: string): void {
    this.texts.push(text);
    this.partitions.push(partition);
    this.refs.push(ref);
    if (this.texts.length >= BATCH) this.flush();
  }

  private flush(): void {
    if (this.texts.length === 0) return;
    this.worker.postMessage({ kind: 'batch', texts: this.texts, partitions: this.partitions, refs: this.refs } satisfies FromReader);
    this.inFlight++;
    this.texts = [];
    this.partitions = [];
    this.refs = [];
  }

  /** Resolves once the fold thread has room: the reader's backpressure. */
  async room(): Promise<void> {
    while (this.inFlight >= IN_FLIGHT) await new Promise<void>((resolve) => (this.wake = resolve));
  }

  async finish(source: SourceOptions): Promise<ReplayRun> {
    this.flush();
    this.worker.postMessage({ kind: 'finish' } satisfies FromReader);
    try {
      const { report, stats, firstRejections } = await this.done;
      for (const r of firstRejections) source.rejected?.(r.ref, r.message);
      return { report, stats };
    } finally {
      await this.worker.terminate();
    }
  }
}

/** An NDJSON(.gz) export, read here and folded on the fold thread. */
export async function replayFileThreaded(path: string, settings: ThreadSettings, source: SourceOptions = {}): Promise<ReplayRun> {
  const fold = new FoldThread(settings);
  await readLines(path, {
    line: (text, n) => fold.add(text, 0, `line ${n}`),
    afterChunk: () => fold.room(),
    ...(source.progress ? { progress: source.progress } : {}),
  });
  return fold.finish(source);
}

/** The topic, consumed here and folded on the fold thread. */
export async function replayTopicThreaded(kafka: Kafka, topic: string, settings: ThreadSettings, source: SourceOptions = {}): Promise<ReplayRun> {
  const fold = new FoldThread(settings);
  await readTopic({
    kafka,
    topic,
    ...(settings.since !== undefined ? { since: settings.since } : {}),
    record: (message, partition) => {
      if (message.value === null) source.rejected?.(`partition ${partition} offset ${message.offset}`, 'record has no value');
      else fold.add(message.value.toString('utf8'), partition, `partition ${partition} offset ${message.offset}`);
    },
    afterBatch: () => fold.room(),
    ...(source.progress ? { progress: source.progress } : {}),
  });
  return fold.finish(source);
}

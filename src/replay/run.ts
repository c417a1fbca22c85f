/** The replay entry points the `cs` command, the bench and the specs share. */
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { AnyEvent } from '../../events/index.ts';
import { conversationState } from '../domain/fold/fold-state.ts';
import { KpiAccumulator, type KpiOptions, type KpiReport, type KpiTally } from '../domain/kpi/report.ts';
import { Replay, type ReplayOptions, type ReplayStats } from './engine.ts';
import { readTrusted, readStrict, type EventReader } from './fast-parse.ts';
import { readEventFile } from './file-source.ts';
import { readTopic } from './kafka-source.ts';
import { readNamespace } from './live-source.ts';

export interface ReplayRun {
  report: KpiReport;
  stats: ReplayStats & { rejected: number };
  /** What the report was made from, for a replay split over processes (partial.ts); the threaded runs give it. */
  tally?: KpiTally;
}

export interface SourceOptions {
  /** Validate every event in full (zod) instead of the fast path (see fast-parse.ts). */
  strict?: boolean;
  progress?(done: number, total: number): void;
  /** Lines or records that do not parse: skipped, reported here. */
  rejected?(where: string, message: string): void;
}

export async function replayFile(path: string, options: ReplayOptions, source: SourceOptions = {}): Promise<ReplayRun> {
  const replay = new Replay(options);
  const read: EventReader = source.strict ? readStrict : readTrusted;
  const { rejected } = await readEventFile(path, read, {
    event: (e) => replay.add(e),
    rejected: (line, failure) => source.rejected?.(`line ${line}`, failure.error.message),
    ...(source.progress ? { progress: source.progress } : {}),
  });
  const { report, stats } = replay.finish();
  return { report, stats: { ...stats, rejected } };
}

export async function replayTopic(kafka: Kafka, topic: string, options: ReplayOptions, source: SourceOptions = {}): Promise<ReplayRun> {
  const replay = new Replay(options);
  const read: EventReader = source.strict ? readStrict : readTrusted;
  let rejected = 0;
  await readTopic({
    kafka,
    topic,
    ...(options.since !== undefined ? { since: options.since } : {}),
    record: (message, partition) => {
      const result = message.value === null ? null : read(message.value.toString('utf8'));
      if (result?.ok) replay.add(result.event, partition);
      else {
        rejected++;
        source.rejected?.(`partition ${partition} offset ${message.offset}`, result ? result.error.message : 'record has no value');
      }
    },
    ...(source.progress ? { progress: source.progress } : {}),
  });
  const { report, stats } = replay.finish();
  return { report, stats: { ...stats, rejected } };
}

/** Events already in memory (specs, the bench's sanity check). */
export function replayEvents(events: Iterable<AnyEvent>, options: ReplayOptions): ReplayRun {
  const replay = new Replay(options);
  for (const e of events) replay.add(e);
  const { report, stats } = replay.finish();
  return { report, stats: { ...stats, rejected: 0 } };
}

/** What a live report says it read (`meta` of `cs report` and `GET /v1/kpis`): the namespace, and how much of it. */
export const liveReportMeta = (namespace: string, read: { customers: number; conversations: number }) => ({ source: `redis:${namespace}`, customers: read.customers, conversations: read.conversations });

/** The report of a live projection namespace: the same accumulator fed from Redis. */
export async function liveReport(redis: Redis, namespace: string, kpi: Partial<KpiOptions>, tenant?: string, progress?: (customers: number) => void): Promise<{ report: KpiReport; customers: number; conversations: number }> {
  const acc = new KpiAccumulator(kpi);
  const read = await readNamespace(
    redis,
    namespace,
    { customer: (c) => acc.addCustomer(c), conversation: (c, customer) => acc.addConversation(conversationState(c), customer), ...(progress ? { progress } : {}) },
    tenant,
  );
  return { report: acc.report(), ...read };
}

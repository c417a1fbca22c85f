import { createHash } from 'node:crypto';
import type { AnyEvent } from '../../events/index.ts';

export interface PositionedEvent {
  offset: string;
  event: AnyEvent;
  /** The event's partition, when a batch spans partitions (else the batch's). */
  partition?: number;
}

/**
 * A fold job: the batches of one fetch (each partition's contiguous run, in offset order), to fold
 * into namespace `ns`. `partition` is the first event's; each event carries its own.
 */
export interface FoldJobData {
  ns: string;
  topic: string;
  partition: number;
  /** Whether this fold asks for workflow jobs (live) or only rebuilds state (rebuild, replay). */
  triggers: boolean;
  /** `p`: the event's partition when the job spans partitions (one fetch's batches together). */
  events: Array<{ o: string; e: AnyEvent; p?: number }>;
}

/**
 * A job spanning partitions: named by its ranges, so the same events handed over again join the job
 * already queued; hashed, because a fetch may span hundreds of partitions.
 */
export function cycleJobId(namespace: string, topic: string, events: ReadonlyArray<{ o: string; p?: number }>): string {
  const ranges = new Map<number, [string, string]>();
  for (const e of events) {
    const p = e.p ?? -1;
    const r = ranges.get(p);
    if (r) r[1] = e.o;
    else ranges.set(p, [e.o, e.o]);
  }
  const text = [...ranges].sort(([a], [b]) => a - b).map(([p, [first, last]]) => `${p}:${first}-${last}`).join(',');
  return `${encodeURIComponent(namespace)}|${encodeURIComponent(topic)}|${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}

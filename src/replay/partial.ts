/**
 * A replay split over processes (on one machine or several): each reads a share of the topic's
 * partitions (`cs replay --kafka --share K/N --partial FILE`) and writes what its fold tallied;
 * `cs merge FILE...` adds the tallies and writes the report. A customer's events are all on one
 * partition (the record key is the customer), so a share of the partitions is a share of the
 * customers, and the figures are counts and exact value maps: the merged report is the one-process
 * report, byte for byte (the threads of one process are merged the same way, see threaded.ts).
 *
 * Shares are fixed by number rather than handed out by a consumer group: a group may move a
 * partition from one member to another half-way (a member joining late, one slow to heart-beat),
 * and a partition read in two halves by two processes splits its customers' folds, which no merge
 * can mend. With `K/N` each process knows its partitions before it starts, and a merge can check
 * that the shares cover the topic exactly once.
 */
import { KpiAccumulator, type KpiOptions, type KpiReport, type KpiTally } from '../domain/kpi/report.ts';
import type { ReplayStats } from './engine.ts';

export const PARTIAL_FORMAT = 'cs-replay-partial/1';

/** Which share of the topic's partitions a process reads: the K-th of N (1-based), partitions p with p mod N = K - 1. */
export interface Share {
  index: number;
  of: number;
}

export function parseShare(text: string): Share {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const of = Number(m?.[2]);
  if (!m || of < 1 || index < 1 || index > of) throw new Error(`--share takes K/N with 1 <= K <= N, such as 2/3 (got ${JSON.stringify(text)})`);
  return { index, of };
}

export const inShare = (share: Share, partition: number) => partition % share.of === share.index - 1;

/** What must be equal in every partial of one merge: the same question asked of the same topic. */
export interface PartialSettings {
  topic: string;
  /** The topic's partition count when read: a topic that grew between two shares' reads is refused. */
  partitionCount: number;
  kpi: { groupBy: string[]; fcrWindowMs: number };
  since: number | null;
  until: number | null;
  tenant: string | null;
  autoResolveAfterMs: number | null;
  /** The tenants' settings the fold and the service score used (policies, targets), as JSON. */
  tenants: unknown;
}

export interface PartialReplay {
  format: typeof PARTIAL_FORMAT;
  share: Share;
  settings: PartialSettings;
  /** The partitions this share read, each with the last offset read (the topic's end when the read began). */
  read: Array<{ partition: number; last: number }>;
  stats: ReplayStats & { rejected: number };
  tally: KpiTally;
}

/**
 * JSON for a tally: Maps and Sets (whose keys may be numbers or null) as tagged entry lists, and the
 * non-finite numbers JSON has no words for. Decoded, a tally has the fields and collections of the
 * original, which is all `KpiAccumulator.absorb` reads (as with a structured clone from a thread).
 */
export function encodePartial(partial: PartialReplay): string {
  return JSON.stringify(partial, (_key, value: unknown) => {
    if (value instanceof Map) return { $map: [...value.entries()] };
    if (value instanceof Set) return { $set: [...value] };
    if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
    return value;
  });
}

export function decodePartial(text: string, name: string): PartialReplay {
  let value: unknown;
  try {
    value = JSON.parse(text, (_key, v: unknown) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
      const keys = Object.keys(v);
      if (keys.length !== 1) return v;
      const o = v as Record<string, unknown>;
      if (keys[0] === '$map' && Array.isArray(o.$map)) return new Map(o.$map as Array<[unknown, unknown]>);
      if (keys[0] === '$set' && Array.isArray(o.$set)) return new Set(o.$set as unknown[]);
      if (keys[0] === '$number' && typeof o.$number === 'string') return Number(o.$number);
      return v;
    });
  } catch (err) {
    throw new Error(`${name} is not a partial replay: ${(err as Error).message}`);
  }
  const partial = value as Partial<PartialReplay> | null;
  if (partial?.format !== PARTIAL_FORMAT || !partial.share || !partial.settings || !partial.tally || !partial.stats || !partial.read) {
    throw new Error(`${name} is not a partial replay (${PARTIAL_FORMAT}): write one with cs replay --kafka --share K/N --partial ${name}`);
  }
  return partial as PartialReplay;
}

/**
 * The report of the whole topic from its shares' partials. Refused, naming the files, when they
 * asked different questions, when a share is missing or given twice, or when the topic's partitions
 * are not covered exactly once.
 */
export function mergePartials(
  partials: ReadonlyArray<{ name: string; partial: PartialReplay }>,
  targets: KpiOptions['targets'],
): { report: KpiReport; stats: PartialReplay['stats']; settings: PartialSettings; read: PartialReplay['read'] } {
  if (partials.length === 0) throw new Error('name the partial replays to merge');
  const [first] = partials;
  const settings = JSON.stringify(first!.partial.settings);
  for (const { name, partial } of partials) {
    if (JSON.stringify(partial.settings) !== settings) throw new Error(`${name} was replayed with other settings than ${first!.name} (topic, window, grouping, tenants' settings must be the same): ${JSON.stringify(partial.settings).slice(0, 300)}`);
    if (partial.share.of !== first!.partial.share.of) throw new Error(`${name} is share ${partial.share.index}/${partial.share.of}, ${first!.name} is one of ${first!.partial.share.of}`);
  }
  const n = first!.partial.share.of;
  const given = new Map<number, string>();
  for (const { name, partial } of partials) {
    const other = given.get(partial.share.index);
    if (other !== undefined) throw new Error(`share ${partial.share.index}/${n} is given twice: ${other} and ${name}`);
    given.set(partial.share.index, name);
  }
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !given.has(k));
  if (missing.length > 0) throw new Error(`shares ${missing.map((k) => `${k}/${n}`).join(', ')} are missing: the report would leave out their customers`);

  const accumulator = new KpiAccumulator({ groupBy: first!.partial.settings.kpi.groupBy as KpiOptions['groupBy'], fcrWindowMs: first!.partial.settings.kpi.fcrWindowMs, targets });
  const stats = { ...first!.partial.stats };
  for (const k of Object.keys(stats) as Array<keyof typeof stats>) stats[k] = 0;
  const read: PartialReplay['read'] = [];
  for (const { partial } of partials) {
    accumulator.absorb(partial.tally);
    for (const k of Object.keys(stats) as Array<keyof typeof stats>) stats[k] += partial.stats[k];
    read.push(...partial.read);
  }
  read.sort((a, b) => a.partition - b.partition);
  return { report: accumulator.report(), stats, settings: first!.partial.settings, read };
}

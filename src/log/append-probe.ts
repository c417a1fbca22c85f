import { setTimeout as sleep } from 'node:timers/promises';
import { nanoid } from 'nanoid';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { KAFKA_HEADERS } from '../../events/index.ts';
import { LogUnavailableError, withinDeadline } from './deadline.ts';
import { onlyPartitions } from './only-partitions.ts';
import { partitionOf } from './partition-of.ts';
import { headerText } from './record.ts';

/**
 * Where an append is about to go: the partition of its key, and an offset at or below the one its
 * first record will get there (the partition's end offset seen before the append was sent).
 */
export interface LogMark {
  partition: number;
  /** Decimal, as kafkajs spells offsets. */
  offset: string;
}

/**
 * Reads the event topic back for a door that must not append an event twice (channels/claims.ts):
 * before appending it records a mark; after a crash, whoever finds that mark asks whether the event
 * is on the log since then, instead of appending it again.
 */
export interface LogProbe {
  /** The mark of an append with this record key. Costs a broker round trip at most once a second. */
  mark(key: string): Promise<LogMark>;
  /**
   * Which of these event ids (of one tenant) are on the mark's partition, from the mark's offset to
   * the partition's end now. Reads only what was appended since the mark (nothing when nothing was).
   */
  find(tenant: string, from: LogMark, ids: readonly string[]): Promise<Set<string>>;
  close(): Promise<void>;
}

export interface LogProbeOptions {
  kafka: Kafka;
  topic: string;
  /** A look-up or read that takes longer fails with LogUnavailableError (answered 503, retried). */
  timeoutMs: number;
  /** End offsets seen this recently are used for a mark without asking the broker (default 1 s). */
  maxAgeMs?: number;
}

interface Scan {
  from: bigint;
  end: bigint;
  /** `tenant\0id` of every waiter's ids. */
  wanted: Set<string>;
  found: Promise<Set<string>>;
  settle(result: Set<string> | Error): void;
}

const wantedKey = (tenant: string, id: string) => `${tenant}\u0000${id}`;

/**
 * A probe over the topic. Marks come from the partitions' end offsets, fetched at most once per
 * `maxAgeMs` and shared by every append meanwhile: any end offset seen before an append is sent is
 * at or below the offset the append gets, so an older one only makes a later search read more.
 * Searches read one partition through a consumer group of their own (kafkajs reads no other way);
 * searches of one partition that wait at the same time are made as one read.
 */
export function openLogProbe(o: LogProbeOptions): LogProbe {
  const maxAgeMs = o.maxAgeMs ?? 1000;
  let admin: Promise<Admin> | undefined;
  let known: { at: number; ends: bigint[] } | undefined;
  let fetching: Promise<bigint[]> | undefined;
  const running = new Map<number, Promise<unknown>>();
  const waiting = new Map<number, Scan>();
  let closed = false;

  const connected = (): Promise<Admin> => {
    if (!admin) {
      const client = o.kafka.admin();
      const opening = client.connect().then(() => client);
      admin = opening;
      opening.catch(() => {
        if (admin === opening) admin = undefined;
      });
    }
    return admin;
  };

  /** A fresh client next time: kafkajs' admin keeps its metadata for minutes, a moved leader included. */
  const forget = () => {
    const old = admin;
    admin = undefined;
    void old?.then((a) => a.disconnect()).catch(() => undefined);
  };

  const askEnds = async (): Promise<Array<{ partition: number; high: string }>> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await (await connected()).fetchTopicOffsets(o.topic);
      } catch (err) {
        if (attempt >= 3 || closed) throw err;
        forget();
        await sleep(200 * attempt);
      }
    }
  };

  /** Every partition's end offset (the high watermark), asked now. */
  const fetchEnds = async (): Promise<bigint[]> => {
    const ends = await withinDeadline(askEnds(), o.timeoutMs, { timeout: 'Kafka did not tell the end offsets', failed: 'cannot read the end offsets' });
    const byPartition = ends.map((p) => ({ partition: p.partition, high: BigInt(p.high) })).sort((a, b) => a.partition - b.partition);
    const result = byPartition.map((p) => p.high);
    known = { at: Date.now(), ends: result };
    return result;
  };

  const recentEnds = (): Promise<bigint[]> => {
    if (known && Date.now() - known.at < maxAgeMs) return Promise.resolve(known.ends);
    fetching ??= fetchEnds().finally(() => {
      fetching = undefined;
    });
    return fetching;
  };

  const runScan = async (partition: number, scan: Scan): Promise<void> => {
    waiting.delete(partition);
    try {
      const client = await withinDeadline(connected(), o.timeoutMs, { timeout: 'Kafka did not accept a connection', failed: 'cannot connect to Kafka' });
      scan.settle(await readRange(o.kafka, client, o.topic, partition, scan, o.timeoutMs));
    } catch (err) {
      scan.settle(err instanceof Error ? err : new Error(String(err)));
    }
  };

  const search = (partition: number, from: bigint, end: bigint, wanted: string[]): Promise<Set<string>> => {
    let scan = waiting.get(partition);
    if (scan) {
      if (from < scan.from) scan.from = from;
      if (end > scan.end) scan.end = end;
      for (const w of wanted) scan.wanted.add(w);
      return scan.found;
    }
    let settle!: Scan['settle'];
    const found = new Promise<Set<string>>((resolve, reject) => {
      settle = (result) => (result instanceof Error ? reject(result) : resolve(result));
    });
    scan = { from, end, wanted: new Set(wanted), found, settle };
    waiting.set(partition, scan);
    const queued = scan;
    const next = (running.get(partition) ?? Promise.resolve()).then(() => runScan(partition, queued));
    running.set(partition, next);
    void next.finally(() => {
      if (running.get(partition) === next) running.delete(partition);
    });
    return found;
  };

  return {
    async mark(key) {
      if (closed) throw new LogUnavailableError('the event log is closed');
      const ends = await recentEnds();
      const partition = partitionOf(o.topic, key, ends.length);
      return { partition, offset: String(ends[partition] ?? 0n) };
    },
    async find(tenant, from, ids) {
      if (closed) throw new LogUnavailableError('the event log is closed');
      if (ids.length === 0) return new Set();
      // Asked now, never a shared earlier answer: the end must be seen after whatever it is to cover.
      const end = (await fetchEnds())[from.partition];
      const start = BigInt(from.offset);
      if (end === undefined || end <= start) return new Set();
      const found = await search(from.partition, start, end, ids.map((id) => wantedKey(tenant, id)));
      return new Set(ids.filter((id) => found.has(wantedKey(tenant, id))));
    },
    async close() {
      closed = true;
      const opened = admin;
      admin = undefined;
      await Promise.allSettled([...running.values()]);
      if (opened) await (await opened.catch(() => undefined))?.disconnect();
    },
  };
}

/**
 * The records of one partition from `scan.from` up to `scan.end` (excluded), through a throw-away
 * consumer group whose one member takes that partition alone; stops early once every wanted id is
 * seen. Returns the wanted ids (`tenant\0id`) seen. A record is recognised by its id and tenant
 * headers, or by its value when it has none (written by another client).
 */
async function readRange(kafka: Kafka, admin: Admin, topic: string, partition: number, scan: Scan, timeoutMs: number): Promise<Set<string>> {
  const { from, end, wanted } = scan;
  const seen = new Set<string>();
  const groupId = `cs-probe-${nanoid(10).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const consumer = kafka.consumer({ groupId, partitionAssigners: [onlyPartitions('cs-probe-partition', topic, [partition])], maxWaitTimeInMs: 100, sessionTimeout: 30_000 });
  let finish!: () => void;
  let fail!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const timer = setTimeout(() => fail(new LogUnavailableError(`Kafka did not hand over the records to check within ${timeoutMs} ms`)), timeoutMs);
  try {
    const start = async () => {
      await consumer.connect();
      // Nothing is fetched from the end before the seek below takes effect.
      await consumer.subscribe({ topic, fromBeginning: false });
      consumer.on(consumer.events.GROUP_JOIN, () => consumer.seek({ topic, partition, offset: String(from) }));
      consumer.on(consumer.events.CRASH, (e) => fail(e.payload.error));
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (batch.partition !== partition) return;
          for (const message of batch.messages) {
            const offset = BigInt(message.offset);
            if (offset < from) continue;
            if (offset >= end) return finish();
            const key = recordKey(message);
            if (key !== undefined && wanted.has(key)) seen.add(key);
            if (seen.size === wanted.size || offset === end - 1n) return finish();
          }
          // Past the range, even when its last offsets hold no record we are handed (control records).
          if (BigInt(batch.lastOffset()) >= end - 1n) finish();
        },
      });
    };
    await Promise.race([start(), done]);
    await done;
    return seen;
  } catch (err) {
    throw err instanceof LogUnavailableError ? err : new LogUnavailableError(`cannot read the records to check: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

function recordKey(message: KafkaMessage): string | undefined {
  const id = headerText(message.headers, KAFKA_HEADERS.id);
  const tenant = headerText(message.headers, KAFKA_HEADERS.tenant);
  if (id !== undefined && tenant !== undefined) return wantedKey(tenant, id);
  try {
    const value = JSON.parse(message.value?.toString('utf8') ?? '') as { id?: unknown; tenant?: unknown };
    return typeof value.id === 'string' && typeof value.tenant === 'string' ? wantedKey(value.tenant, value.id) : undefined;
  } catch {
    return undefined;
  }
}

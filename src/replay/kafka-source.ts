/**
 * The event topic read once from the start (or from the offsets at `since`) to the end offsets it
 * had when reading began, per partition in offset order. A throw-away consumer group, deleted
 * afterwards; nothing is committed. Handlers run synchronously per record, so the fold sees one
 * partition's records in order.
 */
import { nanoid } from 'nanoid';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import type { Config } from '../config/schema.ts';
import { createKafka } from '../log/kafka.ts';
import { onlyPartitions } from '../log/only-partitions.ts';
import { createLogger } from '../observability/logger.ts';

export interface TopicReadOptions {
  kafka: Kafka;
  topic: string;
  /** Start near this instant (epoch ms) using offsets by timestamp; records before it may still come (filter by event time). */
  since?: number;
  /** Only these partitions (a replay thread reads its share of the topic); default: all. */
  partitions?: readonly number[];
  /** Called for each record (with its offset as a number); partition order is kept. */
  record(message: KafkaMessage, partition: number, offset: number): void;
  /** Called after each fetched batch: records handled so far of the total to read. */
  progress?(done: number, total: number): void;
  /** Awaited after each fetched batch (a writer's backpressure). */
  afterBatch?(): Promise<void>;
}

/** The Kafka client of a replay (its own log name and level). */
export const replayKafka = (config: Config['kafka']): Kafka => createKafka(config, createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'cs-replay' }));

/** A partition's records to read: offsets `from` to `last`, both included. */
export interface PartitionRange {
  partition: number;
  from: number;
  last: number;
}

/**
 * What a read of the topic covers, per partition: from the start (or the first offset at `since`)
 * to the last offset written when asked; partitions with nothing to read are left out. Offsets are
 * numbers: exact below 2^53 records per partition, and a record's offset is compared per record
 * (BigInt conversions cost more than the comparison they serve).
 */
export async function partitionRanges(admin: Admin, topic: string, o: { since?: number; partitions?: readonly number[] } = {}): Promise<PartitionRange[]> {
  const mine = (p: { partition: number }) => o.partitions === undefined || o.partitions.includes(p.partition);
  const ends = (await admin.fetchTopicOffsets(topic)).filter(mine);
  const starts = o.since !== undefined ? new Map((await admin.fetchTopicOffsetsByTimestamp(topic, o.since)).map((p) => [p.partition, Number(p.offset)])) : null;
  return ends
    .map((p) => ({ partition: p.partition, from: starts?.get(p.partition) ?? Number(p.low), last: Number(p.high) - 1 }))
    .filter((r) => r.last >= r.from);
}

export async function readTopic(o: TopicReadOptions): Promise<{ records: number }> {
  const admin = o.kafka.admin();
  await admin.connect();
  const groupId = `cs-replay-${nanoid(10).replace(/[^A-Za-z0-9]/g, 'x')}`;
  try {
    const ranges = await partitionRanges(admin, o.topic, o);
    if (ranges.length === 0) return { records: 0 };
    const last = new Map(ranges.map((r) => [r.partition, r.last]));
    const total = ranges.reduce((sum, r) => sum + r.last - r.from + 1, 0);

    const consumer = o.kafka.consumer({
      groupId,
      ...(o.partitions !== undefined ? { partitionAssigners: [onlyPartitions('cs-replay-share', o.topic, [...last.keys()])] } : {}),
      // Fetches of a few MB: kafkajs decodes a whole fetch before handing on its first record, so a
      // fetch of the whole topic (the earlier 128 MB) kept every decoded record alive at once.
      maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 16 * 1024 * 1024, maxWaitTimeInMs: 100,
      sessionTimeout: 60_000,
    });
    await consumer.connect();
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    let records = 0;
    const remaining = new Set(last.keys());
    let finish!: () => void;
    let fail!: (err: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const { GROUP_JOIN, CRASH } = consumer.events;
    consumer.on(GROUP_JOIN, () => {
      if (o.since === undefined) return;
      for (const { partition, from } of ranges) consumer.seek({ topic: o.topic, partition, offset: String(from) });
    });
    consumer.on(CRASH, (e) => fail(e.payload.error));
    // The next offset each partition should hand on: a fetch that overlaps an earlier one (kafkajs
    // may fetch a range again) never hands a record on twice.
    const next = new Map(ranges.map((r) => [r.partition, r.from]));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const end = last.get(batch.partition);
        if (end === undefined) return;
        let from = next.get(batch.partition) ?? 0;
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          if (offset < from || offset > end) continue;
          from = offset + 1;
          o.record(message, batch.partition, offset);
          records++;
          if (offset === end) remaining.delete(batch.partition);
        }
        next.set(batch.partition, from);
        o.progress?.(records, total);
        if (o.afterBatch) await o.afterBatch();
        if (remaining.size === 0) finish();
        await heartbeat();
      },
    });
    try {
      await done;
    } finally {
      await consumer.disconnect();
    }
    return { records };
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { foldPolicies } from '../config/policies.ts';
import type { Config } from '../config/schema.ts';
import { runEventConsumer } from '../log/consumer.ts';
import type { Logger } from '../observability/logger.ts';
import { ProjectionStore } from '../projections/store.ts';
import { foldBatch } from './fold-batch.ts';
import { switchLive, type LiveAssignment } from './live-assignment.ts';

export interface RebuildOptions {
  config: Config;
  kafka: Kafka;
  redis: Redis;
  logger: Logger;
  /** The namespace to fill; a fresh one by default. */
  namespace?: string;
  /** Switch reads and the live fold to the rebuilt namespace when caught up. */
  switchReads: boolean;
  /** Stop catching up once the remaining lag is at most this many events. */
  maxSwitchLag?: number;
  onProgress?(folded: number, target: number): void;
}

export interface RebuildResult extends LiveAssignment {
  events: number;
  elapsedMs: number;
  switched: boolean;
}

/**
 * Folds the whole topic into a fresh namespace with its own consumer group, through the same
 * foldBatch as the live fold (no workflow jobs: history has had its effects). When it has caught up
 * with the log it can switch reads and the live fold to the new namespace in one transaction; the
 * live bridge then continues from this group's offsets, so nothing is folded twice or skipped.
 */
export async function rebuildProjections(o: RebuildOptions): Promise<RebuildResult> {
  const started = Date.now();
  const namespace = o.namespace ?? `r${started.toString(36)}`;
  const group = `${o.config.fold.consumerGroup}@${namespace}`;
  const topic = o.config.kafka.topics.events;
  const store = new ProjectionStore(o.redis, namespace);
  const policies = foldPolicies(o.config.tenants);
  const log = o.logger.child({ component: 'rebuild', namespace });

  const admin = o.kafka.admin();
  await admin.connect();
  const endOffsets = async () => new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  let target = await endOffsets();
  const low = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.low)]));
  const next = new Map<number, bigint>(); // per partition: the next offset to fold
  let folded = 0;
  const lag = () => {
    let total = 0n;
    for (const [partition, high] of target) {
      const from = next.get(partition) ?? low.get(partition) ?? 0n;
      if (high > from) total += high - from;
    }
    return total;
  };
  const totalOf = () => Number([...target].reduce((n, [p, high]) => n + high - (low.get(p) ?? 0n), 0n));

  const consumer = await runEventConsumer({
    kafka: o.kafka,
    groupId: group,
    topic,
    fromBeginning: true,
    partitionsConsumedConcurrently: o.config.kafka.partitions,
    logger: log,
    handleBatch: async (batch) => {
      const events = batch.events.map((e) => ({ offset: e.offset, event: e.event }));
      await foldBatch({ store, partition: batch.partition, events, policies });
      folded += events.length;
      next.set(batch.partition, BigInt(batch.lastOffset) + 1n);
      o.onProgress?.(folded, totalOf());
    },
  });
  // Records that do not parse are skipped without a handler call; count them as passed by polling
  // the group's committed offsets as well.
  const committed = async () => {
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    for (const p of offsets[0]?.partitions ?? []) {
      const at = BigInt(p.offset);
      if (at >= 0n && at > (next.get(p.partition) ?? -1n)) next.set(p.partition, at);
    }
  };
  try {
    const maxLag = BigInt(o.maxSwitchLag ?? 1000);
    for (let round = 0; ; round++) {
      while (lag() > 0n) {
        await new Promise((r) => setTimeout(r, 100));
        await committed();
      }
      target = await endOffsets();
      if (lag() <= maxLag || round >= 5) break;
    }
  } finally {
    await consumer.close();
    await admin.disconnect();
  }
  if (o.switchReads) await switchLive(o.redis, o.config.instance, { namespace, group });
  log.info({ events: folded, switched: o.switchReads }, 'rebuild finished');
  return { namespace, group, events: folded, elapsedMs: Date.now() - started, switched: o.switchReads };
}

import type { Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { foldPolicies } from '../config/policies.ts';
import type { Config } from '../config/schema.ts';
import { runEventConsumer } from '../log/consumer.ts';
import type { Logger } from '../observability/logger.ts';
import { ProjectionStore } from '../projections/store.ts';
import { foldBatch } from './fold-batch.ts';
import { FoldCache } from './fold-cache.ts';
import { moveLiveFold, readLiveAssignment, switchReads, type LiveAssignment } from '../projections/live-assignment.ts';

export interface RebuildOptions {
  config: Config;
  kafka: Kafka;
  redis: Redis;
  logger: Logger;
  /** The namespace to fill; a fresh one by default. */
  namespace?: string;
  /** Switch reads and the live fold to the rebuilt namespace when caught up. */
  switchReads: boolean;
  /** How long to wait for the old live fold to hand over before switching reads anyway. */
  handOverTimeoutMs?: number;
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
  const cache = new FoldCache(o.config.fold.cacheCustomers);
  const policies = foldPolicies(o.config.tenants);
  const log = o.logger.child({ component: 'rebuild', namespace });

  const admin = o.kafka.admin();
  await admin.connect();
  const endOffsets = async () => new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  const first = await admin.fetchTopicOffsets(topic);
  let target = new Map(first.map((p) => [p.partition, BigInt(p.high)]));
  const low = new Map(first.map((p) => [p.partition, BigInt(p.low)]));
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
    group: o.config.kafka.consumer,
    logger: log,
    handleBatch: async (batch) => {
      const events = batch.events.map((e) => ({ offset: e.offset, event: e.event }));
      await foldBatch({ store, cache, partition: batch.partition, events, policies, asksForSteps: false });
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
    if (o.switchReads) await handOver(o, admin, topic, { namespace, group }, log);
  } finally {
    await consumer.close();
    await admin.disconnect();
  }
  log.info({ events: folded, switched: o.switchReads }, 'rebuild finished');
  return { namespace, group, events: folded, elapsedMs: Date.now() - started, switched: o.switchReads };
}

/**
 * Reads must never go back in time. So the live fold moves first (the old bridge leaves the old
 * group, the live bridge joins ours, and this process keeps folding in the same group meanwhile);
 * reads switch only once our group has committed, on every partition, at least as far as the old
 * group got, so the new namespace holds everything the old one showed.
 */
async function handOver(o: RebuildOptions, admin: Admin, topic: string, next: LiveAssignment, log: Logger): Promise<void> {
  const previous = await readLiveAssignment(o.redis, o.config.instance, { namespace: o.config.fold.namespace, group: o.config.fold.consumerGroup });
  await moveLiveFold(o.redis, o.config.instance, previous, next);
  const committedBy = async (groupId: string) =>
    new Map(((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  const deadline = Date.now() + (o.handOverTimeoutMs ?? 60_000);
  for (;;) {
    const [described] = (await admin.describeGroups([previous.group])).groups;
    const oldGone = !described || described.members.length === 0;
    const [old, ours] = await Promise.all([committedBy(previous.group), committedBy(next.group)]);
    const passed = [...old].every(([partition, at]) => at < 0n || (ours.get(partition) ?? -1n) >= at);
    if (oldGone && passed) break;
    if (Date.now() > deadline) {
      log.warn({ previous }, 'the old live fold did not hand over in time; switching reads anyway');
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await switchReads(o.redis, o.config.instance, next.namespace);
}

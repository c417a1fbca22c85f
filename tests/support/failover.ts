import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { Partitioners, type Kafka } from 'kafkajs';
import { partitionKey, type AnyEvent } from '../../events/index.ts';
import { foldPolicies } from '../../src/config/policies.ts';
import type { Config } from '../../src/config/schema.ts';
import type { EventLog } from '../../src/log/event-log.ts';
import { projectionKeys } from '../../src/projections/keys.ts';
import { generateStream } from '../../scripts/sim/stream.ts';
import { customerWrote } from './events.ts';
import { exited, spawnRole } from './workers.ts';

/**
 * Support for the failover specs: roles run as real processes (a SIGKILL is a crash, nothing of
 * the process runs after it), a steady load on the log, and a probe that tells when the live fold
 * has folded an event published after a given moment.
 */

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Role processes a spec started; `stopAll` ends whichever still run (SIGTERM, SIGKILL after 15 s). */
export class RoleProcesses {
  private readonly children: ChildProcess[] = [];

  constructor(private readonly configDir: string) {}

  start(role: string, env: Record<string, string> = {}): ChildProcess {
    const child = spawnRole(role, this.configDir, env);
    this.children.push(child);
    return child;
  }

  /** The crash: no clean-up runs in the process, its group membership stays until the session expires. */
  async kill(child: ChildProcess): Promise<number> {
    const at = performance.now();
    child.kill('SIGKILL');
    await exited(child);
    return at;
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.children.filter(running).map(async (child) => {
        child.kill('SIGTERM');
        const done = await Promise.race([exited(child).then(() => true), sleep(15_000).then(() => false)]);
        if (!done) {
          child.kill('SIGKILL');
          await exited(child);
        }
      }),
    );
  }
}

/**
 * Appends a generated stream (both tenants, thousands of customers) at about `eventsPerSecond`
 * until stopped: the roles are killed and replaced under load, not on an idle log.
 */
export function steadyLoad(
  config: Config,
  log: EventLog,
  options: { eventsPerSecond: number; seconds: number; seed?: number; keep?: (event: AnyEvent) => boolean },
) {
  const tickMs = 100;
  const perTick = Math.max(1, Math.round((options.eventsPerSecond * tickMs) / 1000));
  const generated = generateStream({ events: perTick * Math.ceil((options.seconds * 1000) / tickMs), customers: 3000, seed: options.seed ?? 11, policy: foldPolicies(config.tenants)('acme') });
  const stream: AnyEvent[] = [...generated].filter(options.keep ?? (() => true));
  let stopped = false;
  let published = 0;
  let failure: unknown;
  const loop = (async () => {
    for (let i = 0; i < stream.length && !stopped; i += perTick) {
      const started = performance.now();
      try {
        await log.append(stream.slice(i, i + perTick));
        published += Math.min(perTick, stream.length - i);
      } catch (err) {
        failure = err; // a broker restart: the spec decides whether that matters
      }
      await sleep(Math.max(0, tickMs - (performance.now() - started)));
    }
  })();
  return {
    get published() {
      return published;
    },
    get failure() {
      return failure;
    },
    async stop(): Promise<void> {
      stopped = true;
      await loop;
    },
  };
}

/**
 * One probe customer per partition, a message each on demand, and how far the fold got with each
 * (its fold hash's `pos`, the offset of its last folded event). An event published after a kill is
 * folded only once a live bridge took it from the log, so the time until every partition's probe
 * shows is the time until the fold runs again on every partition.
 */
export async function foldProbe(redis: Redis, namespace: string, log: EventLog, partitions: number, kafka: Kafka, topic: string) {
  let n = 0;
  const write = (customer: string) => customerWrote('acme', customer, `probe ${++n}`);
  // Customers are spread by key hash (the producer's partitioner): pick one per partition.
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  const byPartition = new Map<number, string>();
  for (let i = 0; byPartition.size < partitions && i < partitions * 100; i++) {
    const partition = partitioner({ topic, partitionMetadata, message: { key: partitionKey(write(`probe-${i}`)), value: '' } });
    if (!byPartition.has(partition)) byPartition.set(partition, `probe-${i}`);
  }
  if (byPartition.size < partitions) throw new Error(`probe customers cover ${byPartition.size} of ${partitions} partitions`);
  // Each probe customer's first message, so it has a fold hash before anything is measured.
  await appendSoon(log, [...byPartition.values()].map(write));
  const admin = kafka.admin();
  await admin.connect();
  const probes = [...byPartition].map(([partition, customer]) => ({ partition, customer }));
  const folded = async (): Promise<bigint[]> => {
    const pipeline = redis.pipeline();
    for (const p of probes) pipeline.hget(projectionKeys(namespace).fold('acme', p.customer), 'pos');
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([, pos]) => (typeof pos === 'string' ? BigInt(pos) : -1n));
  };
  return {
    /**
     * Appends one message per probe customer; resolves, once Kafka acknowledged them, with offsets at
     * or below theirs and above every earlier probe message's (each partition's end before the
     * append): a probe customer's folded position reaching it means this message was folded.
     */
    async publish(): Promise<bigint[]> {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]));
      await log.append(probes.map((p) => write(p.customer)));
      return probes.map((p) => ends.get(p.partition)!);
    },
    close: () => admin.disconnect(),
    /**
     * Polls until every one of `offsets` is folded. `first`: performance.now() at the first poll that
     * saw one of them folded (the fold's next projection change from an event published after the
     * moment measured from); `all`: the poll that saw them all (every partition folds again).
     */
    async waitFolded(offsets: bigint[], timeoutMs: number): Promise<{ first: number; all: number }> {
      const deadline = performance.now() + timeoutMs;
      let first: number | undefined;
      let last: bigint[] = [];
      while (performance.now() < deadline) {
        last = await folded();
        const done = last.map((pos, i) => pos >= offsets[i]!);
        if (first === undefined && done.some(Boolean)) first = performance.now();
        if (done.every(Boolean)) return { first: first!, all: performance.now() };
        await sleep(25);
      }
      const behind = probes.filter((_, i) => last[i]! < offsets[i]!).map((p) => p.partition);
      throw new Error(`probes not folded within ${timeoutMs} ms on partitions ${behind.join(', ')}`);
    },
  };
}

/** Appends, retrying for a while: a topic just created (or a broker just restarted) may not take writes at once. */
async function appendSoon(log: EventLog, events: AnyEvent[]) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await log.append(events);
    } catch (err) {
      if (attempt >= 20) throw err;
      await sleep(500);
    }
  }
}

/**
 * Watches a consumer group from the coordinator's side: `members()` now, and `settles(check)`
 * resolves with performance.now() once the group is stable and its members pass `check` (say, a
 * killed member's partitions belong to live members again).
 */
export function groupWatch(kafka: Kafka, groupId: string) {
  const describe = async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([groupId]);
      return { state: groups[0]?.state ?? 'Unknown', members: (groups[0]?.members ?? []).map((m) => m.memberId) };
    } finally {
      await admin.disconnect();
    }
  };
  return {
    members: async () => (await describe()).members,
    async settles(check: (members: string[]) => boolean, timeoutMs: number): Promise<number> {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        const { state, members } = await describe().catch(() => ({ state: 'Unknown', members: [] as string[] }));
        if (state === 'Stable' && check(members)) return performance.now();
        await sleep(100);
      }
      throw new Error(`group ${groupId} did not settle within ${timeoutMs} ms`);
    },
  };
}

/** Seconds with one decimal, for the spec's report lines. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

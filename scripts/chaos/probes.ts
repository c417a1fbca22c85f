/**
 * What the run watches while faults happen, sampled a few times a second and kept as history, so
 * each fault's recovery is computed afterwards from the same record: the fold and outbound groups'
 * committed offsets against the topic's end offsets (projections move when the fold commits), the
 * workflow queue's job counts and connected workers, when the steps a killed workflow held were
 * settled, and the times the provider stand-ins took a message.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { queuePrefix } from '../../src/queues/names.ts';

export interface FoldSample {
  at: number;
  /** Per partition: the fold group's committed offset (the next to fold; -1 before any commit). */
  committed: Map<number, bigint>;
  /** Per partition: the topic's end offset (the next to be written). */
  ends: Map<number, bigint>;
}

export interface QueueSample {
  at: number;
  counts: Record<string, number>;
  /** BullMQ workers connected to the queue. */
  workers: number;
}

/** The outbound group's committed offsets, sampled with the fold's. */
export interface OutboundSample {
  at: number;
  committed: Map<number, bigint>;
}

export const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

/** A Kafka client that fails fast: a probe that waited out kafkajs' retries would blur the timings. */
export function probeKafka(brokers: string[], clientId: string): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1000, requestTimeout: 5000, retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
}

/** One admin connection, made again after a failure (the broker restarted). */
export class AdminLink {
  private admin: Admin | null = null;

  constructor(private readonly kafka: Kafka) {}

  async use<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    try {
      return await work(this.admin);
    } catch (err) {
      const stale = this.admin;
      this.admin = null;
      await stale?.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
  }
}

export async function foldPositions(link: AdminLink, group: string, topic: string): Promise<Omit<FoldSample, 'at'>> {
  return link.use(async (admin) => {
    const [ends, offsets] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
    return {
      ends: new Map(ends.map((p) => [p.partition, BigInt(p.high)])),
      committed: new Map((offsets[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)])),
    };
  });
}

async function committedOffsets(link: AdminLink, group: string, topic: string): Promise<Map<number, bigint>> {
  return link.use(async (admin) => new Map(((await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)])));
}

export const sum = (offsets: Map<number, bigint>) => [...offsets.values()].reduce((n, o) => n + (o > 0n ? o : 0n), 0n);

export class Probes {
  readonly fold: FoldSample[] = [];
  readonly workflow: QueueSample[] = [];
  readonly outbound: OutboundSample[] = [];
  /** Workflow jobs followed after a kill: when each left waiting and active (done, failed, or retrying later). */
  readonly settledAt = new Map<string, number>();
  private readonly followed = new Set<string>();
  /** When the provider stand-ins took a message (answered 2xx), ms since start. */
  readonly deliveries: number[] = [];
  private timers: NodeJS.Timeout[] = [];
  private busy = new Set<string>();
  readonly workflowQueue: Queue;

  constructor(
    private readonly o: { link: AdminLink; redis: Redis; group: string; outboundGroup: string; topic: string; workflowQueue: string; clock(): number },
  ) {
    this.workflowQueue = new Queue(o.workflowQueue, { connection: o.redis, prefix: queuePrefix(o.workflowQueue) });
  }

  start(): void {
    this.every('fold', 250, async () => {
      const at = this.o.clock();
      this.fold.push({ at, ...(await foldPositions(this.o.link, this.o.group, this.o.topic)) });
    });
    this.every('outbound', 250, async () => {
      const at = this.o.clock();
      this.outbound.push({ at, committed: await committedOffsets(this.o.link, this.o.outboundGroup, this.o.topic) });
    });
    this.every('workflow', 500, async () => {
      this.workflow.push(await this.workflowNow());
    });
    this.every('followed', 500, async () => {
      for (const id of [...this.followed]) {
        const state = await this.workflowQueue.getJobState(id);
        if (state === 'waiting' || state === 'active' || state === 'prioritized' || state === 'waiting-children') continue;
        this.followed.delete(id);
        this.settledAt.set(id, this.o.clock());
      }
    });
  }

  /** The workflow jobs waiting or running now (read once a killed workflow is gone: the steps it held). */
  async workflowInHand(): Promise<string[]> {
    const jobs = await this.workflowQueue.getJobs(['waiting', 'active', 'prioritized'], 0, 9999);
    return jobs.flatMap((job) => (job?.id ? [job.id] : []));
  }

  /** Follows these jobs until each leaves waiting and active (`settledAt`). */
  follow(ids: readonly string[]): void {
    for (const id of ids) if (!this.settledAt.has(id)) this.followed.add(id);
  }

  private every(name: string, ms: number, sample: () => Promise<void>): void {
    this.timers.push(
      setInterval(() => {
        // One sample at a time: a slow one (the broker is away) is not stacked upon.
        if (this.busy.has(name)) return;
        this.busy.add(name);
        void sample()
          .catch(() => undefined)
          .finally(() => this.busy.delete(name));
      }, ms),
    );
  }

  /**
   * A fold sample taken now (for a fault's baseline). When the broker does not answer (it just
   * restarted: the admin connection is made again), tried again for a few seconds, then the first
   * sample the background probe takes from now on stands in (later, so a stricter baseline).
   */
  async foldNow(): Promise<FoldSample | null> {
    const from = this.o.clock();
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        return { at: this.o.clock(), ...(await foldPositions(this.o.link, this.o.group, this.o.topic)) };
      } catch {
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    for (let waited = 0; waited < 60_000; waited += 250) {
      const next = this.fold.find((s) => s.at >= from);
      if (next) return next;
      await new Promise((r) => setTimeout(r, 250));
    }
    return null;
  }

  async workflowNow(): Promise<QueueSample> {
    const at = this.o.clock();
    const [counts, workers] = await Promise.all([this.workflowQueue.getJobCounts(...JOB_STATES), this.workflowQueue.getWorkersCount()]);
    return { at, counts, workers };
  }

  /** The latest fold sample (for the status line). */
  latestFold(): FoldSample | undefined {
    return this.fold.at(-1);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.workflowQueue.close();
  }
}

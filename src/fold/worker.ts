import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FoldPolicies } from '../domain/fold/policy.ts';
import type { Logger } from '../observability/logger.ts';
import { timeFold } from '../observability/metrics.ts';
import type { ChangeFeed } from '../projections/changes.ts';
import { ProjectionStore } from '../projections/store.ts';
import { queuePrefix, type QueueNames } from '../queues/names.ts';
import { foldBatch, type FoldBatchResult } from './fold-batch.ts';
import { DEFAULT_CACHE_CUSTOMERS } from '../config/schema.ts';
import { FoldCache } from './fold-cache.ts';
import type { FoldJobData } from './jobs.ts';

export interface FoldWorkerOptions {
  /** Connection for BullMQ's blocking commands. */
  connection: Redis;
  /** Connection for projection reads and writes. */
  redis: Redis;
  queues: QueueNames;
  policies: FoldPolicies;
  concurrency: number;
  /** Customers whose committed state is kept in memory per namespace (see fold-cache.ts); default 20,000, 0: none. */
  cacheCustomers?: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  logger: Logger;
  /** Told what each committed batch held, for the consoles (see projections/changes.ts); none: nobody is told. */
  changes?: ChangeFeed;
  /** Called after a batch is in the projections (metrics, benchmarks). */
  onCommitted?(events: ReadonlyArray<{ offset: string; event: { time: string } }>, result: FoldBatchResult): void;
}

export interface RunningFoldWorker {
  worker: Worker<FoldJobData, FoldBatchResult>;
  close(): Promise<void>;
}

const NAMESPACE_IDLE_MS = 10 * 60_000;

/** Processes fold jobs: any number of these processes may run; each job is one fetch's batches. */
export function startFoldWorker(o: FoldWorkerOptions): RunningFoldWorker {
  const log = o.logger.child({ component: 'fold-worker' });
  const stores = new Map<string, { store: ProjectionStore; cache: FoldCache; usedAt: number }>();
  let sweptAt = Date.now();
  const storeFor = (ns: string) => {
    const now = Date.now();
    // A namespace the fold left (a rebuild switched the live fold over) gets no more jobs: its
    // memory of customers is let go once it has been idle a while.
    if (now - sweptAt > 60_000) {
      sweptAt = now;
      for (const [other, s] of stores) if (other !== ns && now - s.usedAt > NAMESPACE_IDLE_MS) stores.delete(other);
    }
    let store = stores.get(ns);
    if (!store) stores.set(ns, (store = { store: new ProjectionStore(o.redis, ns), cache: new FoldCache(o.cacheCustomers ?? DEFAULT_CACHE_CUSTOMERS), usedAt: now }));
    store.usedAt = now;
    return { store: store.store, cache: store.cache };
  };

  const worker = new Worker<FoldJobData, FoldBatchResult>(
    o.queues.fold,
    async (job: Job<FoldJobData>) => {
      const { ns, partition, events } = job.data;
      const positioned = events.map(({ o: offset, e: event, p }) => (p === undefined ? { offset, event } : { offset, event, partition: p }));
      const deliveryConversations = new Map<string, string>();
      const result = await timeFold(() =>
        foldBatch({
          ...storeFor(ns),
          partition,
          events: positioned,
          policies: o.policies,
          asksForSteps: job.data.triggers,
          ...(o.changes ? { deliveryConversations } : {}),
        }),
      );
      // Announced after the commit, never before: a console told of a change reads it in the projections.
      // A delivery report is announced on the conversation of its message (a provider's names none).
      if (o.changes) {
        const announced = positioned.map(({ event: e }) => {
          const conversation = deliveryConversations.get(e.id) ?? e.conversation;
          return conversation === e.conversation ? e : { id: e.id, type: e.type, tenant: e.tenant, customer: e.customer, conversation };
        });
        await o.changes.announce(announced).catch((err: unknown) => log.warn({ reason: (err as Error).message }, 'changes not announced'));
      }
      o.onCommitted?.(positioned, result);
      if (result.duplicates > 0 || result.alreadyApplied > 0) {
        log.debug({ jobId: job.id, partition, ...result }, 'batch held events already folded');
      }
      return result;
    },
    {
      connection: o.connection,
      prefix: queuePrefix(o.queues.fold),
      concurrency: o.concurrency,
      lockDuration: o.lockDurationMs,
      stalledInterval: o.stalledIntervalMs,
      maxStalledCount: 1000,
    },
  );
  worker.on('failed', (job, err) => log.error({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'fold job failed'));
  worker.on('error', (err) => log.error({ err }, 'fold worker error'));

  return {
    worker,
    close: async () => {
      await worker.close();
    },
  };
}

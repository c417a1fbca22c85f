import type { Config } from '../config/schema.ts';
import { foldPolicies } from '../config/policies.ts';
import { startFoldWorker, type RunningFoldWorker } from '../fold/worker.ts';
import { ChangeFeed } from '../projections/changes.ts';
import type { Logger } from '../observability/logger.ts';
import { redisConnection } from '../queues/connection.ts';
import { Holdings, runsUntilStopped, type Role } from './role.ts';
import { watchRole } from './watch.ts';

/** A fold worker process: runs fold jobs from any bridge. */
export function startFoldWorkerRole(config: Config, logger: Logger): { worker: RunningFoldWorker; close(): Promise<void> } {
  const connection = redisConnection(config.redis.url, 'cs-fold-worker-bullmq');
  const redis = redisConnection(config.redis.url, 'cs-fold-worker');
  const worker = startFoldWorker({
    connection,
    redis,
    queues: { fold: config.fold.queue, workflow: config.fold.workflowQueue },
    policies: foldPolicies(config.tenants),
    concurrency: config.fold.concurrency,
    cacheCustomers: config.fold.cacheCustomers,
    lockDurationMs: config.fold.lockDuration,
    stalledIntervalMs: config.fold.stalledInterval,
    changes: new ChangeFeed(redis, config.instance),
    logger,
  });
  const watching = new Holdings();
  watchRole(watching, config, { redis, workers: [worker.worker] });
  return {
    worker,
    close: async () => {
      await worker.close();
      await watching.releaseAll();
      connection.disconnect();
      redis.disconnect();
    },
  };
}

/** A fold worker: scale these out freely; each job is one partition's batch. */
export const foldWorker: Role = async ({ config, logger }) => {
  const worker = startFoldWorkerRole(config, logger);
  return { done: runsUntilStopped, stop: () => worker.close() };
};

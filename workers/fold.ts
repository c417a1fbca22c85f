import { startBridgeRole, startFoldWorkerRole } from '../src/engine/fold.ts';
import type { Role } from './roles.ts';

const forever = new Promise<void>(() => undefined);

/** The Kafka consumer group that hands per-partition batches to the fold queue. */
export const foldBridge: Role = async ({ config, logger }) => {
  const bridge = await startBridgeRole(config, logger);
  return { done: forever, stop: () => bridge.close() };
};

/** A fold worker: scale these out freely; each job is one partition's batch. */
export const foldWorker: Role = async ({ config, logger }) => {
  const worker = startFoldWorkerRole(config, logger);
  return { done: forever, stop: () => worker.close() };
};

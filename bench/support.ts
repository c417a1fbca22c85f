import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { queuePrefix } from '../src/queues/names.ts';

/** Nearest-rank percentile (the p-th of n sorted values is the one at rank ceil(p/100 * n)). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** The middle value; of an even count, the lower of the two middle ones (a value that was measured). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1] ?? NaN;

export async function obliterate(redis: Redis, names: string[]): Promise<void> {
  for (const name of names) {
    const q = new Queue(name, { connection: redis, prefix: queuePrefix(name) });
    await q.obliterate({ force: true });
    await q.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * BullMQ's own rate on this machine, now: `jobs` no-op jobs added in bulk, then processed by one
 * worker at `concurrency` (the raw-library baseline a benchmark reports beside its figure).
 */
export async function bullmqNoopRate(redisUrl: string, jobs: number, concurrency: number): Promise<{ addRate: number; processRate: number; endToEnd: number }> {
  const name = `bench-noop-${Math.random().toString(36).slice(2, 8)}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection: redis, prefix: queuePrefix(name) });
  const t0 = performance.now();
  for (let i = 0; i < jobs; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ name: 'e', data: { i: i + k }, opts: { removeOnComplete: true } })));
  }
  const added = performance.now();
  const workerRedis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  let done = 0;
  await new Promise<void>((resolve) => {
    const worker = new Worker(name, async () => undefined, { connection: workerRedis, prefix: queuePrefix(name), concurrency });
    worker.on('completed', () => {
      if (++done === jobs) void worker.close().then(resolve);
    });
  });
  const processed = performance.now();
  await obliterate(redis, [name]);
  await queue.close();
  redis.disconnect();
  workerRedis.disconnect();
  return { addRate: jobs / ((added - t0) / 1000), processRate: jobs / ((processed - added) / 1000), endToEnd: jobs / ((processed - t0) / 1000) };
}

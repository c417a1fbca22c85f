import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { queuePrefix } from '../src/queues/names.ts';

/** Nearest-rank percentile (the p-th of n sorted values is the one at rank ceil(p/100 * n)). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function obliterate(redis: Redis, names: string[]): Promise<void> {
  for (const name of names) {
    const q = new Queue(name, { connection: redis, prefix: queuePrefix(name) });
    await q.obliterate({ force: true });
    await q.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

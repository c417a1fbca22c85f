import type { Redis } from 'ioredis';
import { controlKeys } from '../projections/keys.ts';

/** Where the live fold writes (namespace) and with which consumer group (its offsets). */
export interface LiveAssignment {
  namespace: string;
  group: string;
}

export async function readLiveAssignment(redis: Redis, instance: string, fallback: LiveAssignment): Promise<LiveAssignment> {
  const stored = await redis.hmget(controlKeys(instance).liveFold, 'namespace', 'group');
  const [namespace, group] = stored;
  return namespace && group ? { namespace, group } : fallback;
}

/** The namespace reads use right now. */
export async function readActiveNamespace(redis: Redis, instance: string, fallback: string): Promise<string> {
  return (await redis.get(controlKeys(instance).activeNamespace)) ?? fallback;
}

/**
 * Moves reads and the live fold to a rebuilt namespace in one transaction: a reader sees the old
 * namespace or the new one, never a mix; the live bridge follows within its poll interval.
 */
export async function switchLive(redis: Redis, instance: string, next: LiveAssignment): Promise<void> {
  const keys = controlKeys(instance);
  await redis.multi().set(keys.activeNamespace, next.namespace).hset(keys.liveFold, 'namespace', next.namespace, 'group', next.group).exec();
}

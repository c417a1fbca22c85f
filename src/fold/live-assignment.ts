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

/** Moves the live fold (the bridges follow within their poll interval); reads stay where they are. */
export async function moveLiveFold(redis: Redis, instance: string, next: LiveAssignment): Promise<void> {
  await redis.hset(controlKeys(instance).liveFold, 'namespace', next.namespace, 'group', next.group);
}

/** Moves reads in one SET: a reader sees the old namespace or the new one, never a mix. */
export async function switchReads(redis: Redis, instance: string, namespace: string): Promise<void> {
  await redis.set(controlKeys(instance).activeNamespace, namespace);
}

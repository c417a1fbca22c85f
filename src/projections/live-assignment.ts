import type { Redis } from 'ioredis';
import { controlKeys } from './keys.ts';

/** Where the live fold writes (namespace) and with which consumer group (its offsets). */
export interface LiveAssignment {
  namespace: string;
  group: string;
}

export async function readLiveAssignment(redis: Redis, instance: string, fallback: LiveAssignment): Promise<LiveAssignment> {
  const [namespace, group] = await redis.hmget(controlKeys(instance).liveFold, 'namespace', 'group');
  return namespace && group ? { namespace, group } : fallback;
}

/**
 * In one read: the namespace the live fold writes, and the one it wrote before its last move (whose
 * last steps may still wait to be pumped), if any.
 */
export async function readFoldNamespaces(redis: Redis, instance: string, fallback: string): Promise<{ live: string; left?: string }> {
  const [namespace, group, previous] = await redis.hmget(controlKeys(instance).liveFold, 'namespace', 'group', 'previous');
  const live = namespace && group ? namespace : fallback;
  return previous && previous !== namespace ? { live, left: previous } : { live };
}

/** The namespace reads use right now. */
export async function readActiveNamespace(redis: Redis, instance: string, fallback: string): Promise<string> {
  return (await redis.get(controlKeys(instance).activeNamespace)) ?? fallback;
}

/**
 * Moves the live fold (the bridges follow within their poll interval); reads stay where they are.
 * The namespace it leaves is kept as `previous`: the step pump keeps draining its steps set, which
 * the old fold's last commits may have written after the pump's last pass there.
 */
export async function moveLiveFold(redis: Redis, instance: string, from: LiveAssignment, next: LiveAssignment): Promise<void> {
  const fields = ['namespace', next.namespace, 'group', next.group];
  if (from.namespace !== next.namespace) fields.push('previous', from.namespace);
  await redis.hset(controlKeys(instance).liveFold, ...fields);
}

/**
 * Before a namespace is dropped: the workflow steps still waiting in its steps set move to the live
 * namespace's (atomically; the pump takes them from there), so dropping loses none. Returns how many moved.
 */
export async function carryOverSteps(redis: Redis, fromSteps: string, toSteps: string): Promise<number> {
  const replies = await redis.multi().zcard(fromSteps).zunionstore(toSteps, 2, toSteps, fromSteps, 'AGGREGATE', 'MIN').del(fromSteps).exec();
  const [err, moved] = replies?.[0] ?? [new Error('the carry-over transaction was discarded'), 0];
  if (err) throw err;
  return Number(moved);
}

/** Moves reads in one SET: a reader sees the old namespace or the new one, never a mix. */
export async function switchReads(redis: Redis, instance: string, namespace: string): Promise<void> {
  await redis.set(controlKeys(instance).activeNamespace, namespace);
}

import type { Redis } from 'ioredis';
import { projectionKeys } from '../../src/projections/keys.ts';

/** Every key of a projection namespace with its content as text, keyed without the namespace. */
export async function dumpNamespace(redis: Redis, namespace: string): Promise<Map<string, string>> {
  const prefix = `cs:p:${namespace}:`;
  const out = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', projectionKeys(namespace).pattern, 'COUNT', 2000);
    cursor = next;
    for (const key of keys) {
      // The steps set is the live fold's hand-off to the workflow, not projection state: a rebuild asks for no steps.
      if (key === projectionKeys(namespace).steps) continue;
      const type = await redis.type(key);
      let value: string;
      if (type === 'string') value = (await redis.get(key)) ?? '';
      else if (type === 'hash') value = JSON.stringify(Object.entries(await redis.hgetall(key)).sort(([a], [b]) => a.localeCompare(b)));
      else if (type === 'list') value = JSON.stringify(await redis.lrange(key, '0', '-1'));
      else if (type === 'set') value = JSON.stringify((await redis.smembers(key)).sort());
      else if (type === 'zset') value = JSON.stringify(await redis.zrange(key, '0', '-1', 'WITHSCORES'));
      else value = `<${type}>`;
      out.set(key.slice(prefix.length), value);
    }
  } while (cursor !== '0');
  return out;
}

export async function dropNamespace(redis: Redis, namespace: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', projectionKeys(namespace).pattern, 'COUNT', 2000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/** Differences between two dumps, for a readable failure. */
export function diffDumps(a: Map<string, string>, b: Map<string, string>, max = 5): string[] {
  const diffs: string[] = [];
  for (const [key, value] of a) {
    if (!b.has(key)) diffs.push(`only in first: ${key}`);
    else if (b.get(key) !== value) diffs.push(`differs: ${key}\n  ${value.slice(0, 300)}\n  ${b.get(key)!.slice(0, 300)}`);
    if (diffs.length >= max) return diffs;
  }
  for (const key of b.keys()) if (!a.has(key) && diffs.length < max) diffs.push(`only in second: ${key}`);
  return diffs;
}

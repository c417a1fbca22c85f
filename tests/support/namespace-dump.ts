import type { Redis } from 'ioredis';
import { projectionKeys } from '../../src/projections/keys.ts';

async function exec(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/**
 * Same result as `dumpNamespace` (./namespace.ts), byte for byte, but two pipelined round trips per
 * SCAN page instead of two per key: dumping a namespace of 50,000 keys takes a second or two rather
 * than tens of seconds on a busy machine. For namespaces the size of a realistic traffic run.
 */
export async function dumpNamespacePipelined(redis: Redis, namespace: string): Promise<Map<string, string>> {
  const prefix = `cs:p:${namespace}:`;
  const out = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, scanned] = await redis.scan(cursor, 'MATCH', projectionKeys(namespace).pattern, 'COUNT', 5000);
    cursor = next;
    // The steps set is the live fold's hand-off to the workflow, not projection state: a rebuild asks for no steps.
    const keys = scanned.filter((key) => key !== projectionKeys(namespace).steps);
    if (keys.length === 0) continue;
    const typing = redis.pipeline();
    for (const key of keys) typing.type(key);
    const types = (await exec(typing)) as string[];
    const reading = redis.pipeline();
    keys.forEach((key, i) => {
      const type = types[i];
      if (type === 'string') reading.get(key);
      else if (type === 'hash') reading.hgetall(key);
      else if (type === 'list') reading.lrange(key, '0', '-1');
      else if (type === 'set') reading.smembers(key);
      else if (type === 'zset') reading.zrange(key, '0', '-1', 'WITHSCORES');
      else reading.echo(`<${type}>`);
    });
    const values = await exec(reading);
    keys.forEach((key, i) => {
      const type = types[i];
      const value = values[i];
      let text: string;
      if (type === 'string') text = (value as string | null) ?? '';
      else if (type === 'hash') text = JSON.stringify(Object.entries(value as Record<string, string>).sort(([a], [b]) => a.localeCompare(b)));
      else if (type === 'set') text = JSON.stringify((value as string[]).sort());
      else if (type === 'list' || type === 'zset') text = JSON.stringify(value);
      else text = value as string;
      out.set(key.slice(prefix.length), text);
    });
  } while (cursor !== '0');
  return out;
}

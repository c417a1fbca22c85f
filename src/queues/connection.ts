import { Redis } from 'ioredis';

/**
 * BullMQ wants blocking connections that never give up a command (maxRetriesPerRequest: null);
 * projection reads and writes share the same settings so a Redis restart delays rather than fails.
 * `autoPipelining`: the commands issued while the previous batch is on its way go out together in
 * one write, in order (ioredis's enableAutoPipelining). For the doors, where each request makes a
 * few small calls and a write to the socket cost more than the command itself (bench:ingest);
 * never for BullMQ's blocking connections.
 */
export function redisConnection(url: string, name: string, options: { autoPipelining?: boolean } = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: name,
    lazyConnect: false,
    ...(options.autoPipelining ? { enableAutoPipelining: true } : {}),
  });
}

/** Longer than a healthy PING ever takes; a Redis that does not answer in time counts as down. */
const PING_TIMEOUT_MS = 1000;

/** Resolves when Redis answers PING on this connection within a second; throws saying why not. */
export async function redisAnswers(redis: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no PONG within ${PING_TIMEOUT_MS} ms (${redis.status})`)), PING_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

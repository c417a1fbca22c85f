import { Redis } from 'ioredis';

/**
 * BullMQ wants blocking connections that never give up a command (maxRetriesPerRequest: null);
 * projection reads and writes share the same settings so a Redis restart delays rather than fails.
 */
export function redisConnection(url: string, name: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, connectionName: name, lazyConnect: false });
}

/** Removes what one demo run left in Kafka and Redis: every name it made carries `demo-<run>`. */
import { Redis } from 'ioredis';
import type { Config } from '../../src/config/schema.ts';
import { createKafka } from '../../src/log/kafka.ts';
import { createLogger } from '../../src/observability/logger.ts';

export async function removeRun(config: Config): Promise<void> {
  const name = config.instance;
  if (!/^demo-[A-Za-z0-9]+$/.test(name)) throw new Error(`refusing to clean up ${name}: not a demo run`);
  const admin = createKafka(config.kafka, createLogger({ level: 'silent' })).admin();
  await admin.connect();
  try {
    await admin.deleteGroups([config.fold.consumerGroup, config.outbound.consumerGroup, config.webhooks.consumerGroup]).catch(() => undefined);
    await admin.deleteTopics({ topics: Object.values(config.kafka.topics), timeout: 10_000 }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
  const redis = new Redis(config.redis.url, { lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${name}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

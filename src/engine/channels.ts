import { buildChannelContext } from '../channels/build.ts';
import type { ChannelContext } from '../channels/context.ts';
import type { Config } from '../config/schema.ts';
import { openKafkaEventLog } from '../log/event-log.ts';
import { createKafka } from '../log/kafka.ts';
import type { Logger } from '../observability/logger.ts';
import { redisConnection } from '../queues/connection.ts';
import { provisionTopics } from './fold.ts';

export interface ChannelRuntime {
  channels: ChannelContext;
  /** Closes the rejected-input sink, the event log, then Redis. */
  close(): Promise<void>;
}

/** What an inbound door (HTTP API, SMTP listener) runs on: topics, Redis, the event log, the channel context. */
export async function openChannelRuntime(config: Config, logger: Logger, name: string): Promise<ChannelRuntime> {
  await provisionTopics(config, logger);
  const redis = redisConnection(config.redis.url, name);
  try {
    const eventLog = await openKafkaEventLog({ kafka: createKafka(config.kafka, logger), topic: config.kafka.topics.events, publishTimeoutMs: config.kafka.publishTimeoutMs });
    const channels = await buildChannelContext({ config, redis, eventLog, logger }).catch(async (err: unknown) => {
      await eventLog.close();
      throw err;
    });
    return {
      channels,
      close: async () => {
        await channels.rejected.close();
        await eventLog.close();
        redis.disconnect();
      },
    };
  } catch (err) {
    redis.disconnect();
    throw err;
  }
}

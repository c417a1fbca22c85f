import { buildChannelContext } from '../channels/build.ts';
import type { ChannelContext } from '../channels/context.ts';
import type { Config } from '../config/schema.ts';
import { openKafkaEventLog } from '../log/event-log.ts';
import { createKafka } from '../log/kafka.ts';
import { provisionTopics } from '../log/topics.ts';
import type { Logger } from '../observability/logger.ts';
import { redisConnection } from '../queues/connection.ts';
import type { Holdings } from './role.ts';
import { watchRole } from './watch.ts';

/**
 * What an inbound door (HTTP API, SMTP listener) runs on: topics, Redis, the event log, the channel
 * context. Released (rejected-input sink, event log, then Redis) with the role's other holdings.
 */
export async function openDoorRuntime(config: Config, logger: Logger, name: string, hold: Holdings): Promise<ChannelContext> {
  await provisionTopics(config, logger);
  const redis = hold.hold(redisConnection(config.redis.url, name, { autoPipelining: true }), (r) => r.disconnect());
  const eventLog = hold.hold(
    await openKafkaEventLog({ kafka: createKafka(config.kafka, logger), topic: config.kafka.topics.events, publishTimeoutMs: config.kafka.publishTimeoutMs, maxRecordBytes: config.kafka.maxRecordBytes }),
    (log) => log.close(),
  );
  const channels = await buildChannelContext({ config, redis, eventLog, logger });
  hold.hold(channels.rejected, (sink) => sink.close());
  // A door is ready while Kafka and Redis answer: it appends to the one and claims messages in the other.
  watchRole(hold, config, { redis });
  return channels;
}

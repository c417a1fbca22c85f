import { provisionTopics } from '../src/engine/fold.ts';
import { buildChannelContext } from '../src/channels/build.ts';
import { channelRoutes } from '../src/channels/index.ts';
import { createApiServer } from '../src/http/server.ts';
import { openKafkaEventLog } from '../src/log/event-log.ts';
import { createKafka } from '../src/log/kafka.ts';
import { redisConnection } from '../src/queues/connection.ts';
import type { Role } from './roles.ts';

const forever = new Promise<void>(() => undefined);

/** The HTTP API: reads projections from Redis, appends events to Kafka. Stateless: scale it out freely. */
export const api: Role = async ({ config, logger }) => {
  await provisionTopics(config, logger);
  const redis = redisConnection(config.redis.url, 'cs-api');
  try {
    const eventLog = await openKafkaEventLog({
      kafka: createKafka(config.kafka, logger),
      topic: config.kafka.topics.events,
      publishTimeoutMs: config.kafka.publishTimeoutMs,
    });
    const channels = await buildChannelContext({ config, redis, eventLog, logger });
    const app = createApiServer({ config, redis, eventLog, logger, extensions: channelRoutes.map((routes) => (scope) => routes(scope, channels)) });
    try {
      await app.listen({ host: config.http.host, port: config.http.port });
    } catch (err) {
      await eventLog.close();
      throw err;
    }
    if (Object.keys(config.http.apiKeys).length === 0) logger.warn('http.apiKeys is empty: every /v1 request is answered 401');
    logger.info({ host: config.http.host, port: config.http.port }, 'api listening');
    return {
      done: forever,
      stop: async () => {
        // In-flight requests finish first (a POST still waiting for Kafka's acknowledgement included).
        await app.close();
        await channels.rejected.close();
        await eventLog.close();
        redis.disconnect();
      },
    };
  } catch (err) {
    redis.disconnect();
    throw err;
  }
};

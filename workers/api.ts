import { channelRoutes } from '../src/channels/index.ts';
import { openChannelRuntime } from '../src/engine/channels.ts';
import { createApiServer } from '../src/http/server.ts';
import type { Role } from './roles.ts';

const forever = new Promise<void>(() => undefined);

/**
 * The HTTP API and the channel webhooks: reads projections from Redis, appends events to Kafka.
 * Stateless: scale it out freely.
 */
export const api: Role = async ({ config, logger }) => {
  const runtime = await openChannelRuntime(config, logger, 'cs-api');
  const { channels } = runtime;
  const app = createApiServer({
    config,
    redis: channels.redis,
    eventLog: channels.eventLog,
    logger,
    rejected: channels.rejected,
    extensions: channelRoutes.map((routes) => (scope) => routes(scope, channels)),
  });
  try {
    await app.listen({ host: config.http.host, port: config.http.port });
  } catch (err) {
    await runtime.close();
    throw err;
  }
  if (Object.keys(config.http.apiKeys).length === 0) logger.warn('http.apiKeys is empty: every /v1 request is answered 401');
  logger.info({ host: config.http.host, port: config.http.port }, 'api listening');
  return {
    done: forever,
    stop: async () => {
      // In-flight requests finish first (a POST still waiting for Kafka's acknowledgement included).
      await app.close();
      await runtime.close();
    },
  };
};

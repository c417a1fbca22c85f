import { actionRoutes } from '../api/actions/routes.ts';
import { createApiServer } from '../api/server.ts';
import { channelRoutes } from '../channels/index.ts';
import { DEFAULT_SESSION_SECRET } from '../config/schema.ts';
import { openDoorRuntime } from './door-runtime.ts';
import { openHeld, runsUntilStopped, type Role } from './role.ts';

/**
 * The HTTP API and the channel webhooks: reads projections from Redis, appends events to Kafka.
 * Stateless: scale it out freely.
 */
export const api: Role = async ({ config, logger }) => {
  const running = await openHeld(async (hold) => {
    const channels = await openDoorRuntime(config, logger, 'cs-api', hold);
    const app = createApiServer({
      config,
      redis: channels.redis,
      eventLog: channels.eventLog,
      privacy: channels.privacy,
      logger,
      rejected: channels.rejected,
      extensions: [...channelRoutes, actionRoutes].map((routes) => (scope) => routes(scope, channels)),
    });
    // In-flight requests finish first (a POST still waiting for Kafka's acknowledgement included).
    hold.hold(app, (a) => a.close());
    await app.listen({ host: config.http.host, port: config.http.port });
    return {};
  });
  if (config.http.sessions.secret === DEFAULT_SESSION_SECRET) logger.warn('http.sessions.secret is the shipped default: set your own (32+ characters) outside local development');
  logger.info({ host: config.http.host, port: config.http.port }, 'api listening');
  return { done: runsUntilStopped, stop: running.close };
};

import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { actionRoutes } from '../actions/routes.ts';
import { createApiServer } from '../server.ts';
import { channelRoutes } from '../../channels/index.ts';
import { AttachmentStore } from '../../attachments/store.ts';
import type { ChannelContext } from '../../channels/context.ts';
import { IdentityStore } from '../../channels/identity.ts';
import { Ingestor } from '../../channels/ingest.ts';
import { loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import type { EventLog } from '../../log/event-log.ts';
import { createLogger } from '../../observability/logger.ts';
import type { CountryCode } from 'libphonenumber-js';

/**
 * The API as the api role serves it (src/roles/api.ts: its own routes, the channels' doors, the
 * agents' actions), built without Kafka or Redis: nothing is called until a request comes, and
 * none comes. For what is only read off the routes: the OpenAPI document, the route table.
 */
export function offlineApiServer(config: Config = loadConfig({ env: { LOG_LEVEL: 'silent' } })): FastifyInstance {
  // Never connected: lazyConnect, and no command is sent while nothing is served.
  const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  const logger = createLogger({ level: 'silent' });
  const unavailable = async () => {
    throw new Error('the offline API server has no event log');
  };
  const eventLog: EventLog = { append: unavailable, close: async () => undefined };
  const identities = new IdentityStore(redis, config.instance);
  const ctx: ChannelContext = {
    config,
    redis,
    eventLog,
    privacy: null,
    identities,
    ingestor: new Ingestor({ redis, instance: config.instance, identities, eventLog, source: '/adapters', defaultCountry: config.channels.defaultCountry as CountryCode }),
    rejected: { keep: unavailable, close: async () => undefined },
    attachments: new AttachmentStore(config.channels.attachments.dir),
    logger,
    now: () => new Date(),
  };
  return createApiServer({ config, redis, eventLog, logger, rejected: ctx.rejected, extensions: [...channelRoutes, actionRoutes].map((routes) => (scope) => routes(scope, ctx)) });
}

/** The OpenAPI document of the API as docs/openapi.json holds it: `npm run openapi` writes it, a unit spec compares. */
export async function renderOpenApi(): Promise<string> {
  const app = offlineApiServer();
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

import { apiKeyAuth } from '../../http/auth.ts';
import { ProjectionReader } from '../../http/projections.ts';
import type { ChannelRoutes } from '../context.ts';
import { mergeRoute } from './merge.ts';
import { replyRoute } from './reply.ts';

/**
 * What agents do to conversations and customers through the API. Registered beside the channels
 * (it needs the channel context: identities, the event log), behind the same API-key auth as /v1:
 * the key's tenant scopes every id in the request.
 */
export const actionRoutes: ChannelRoutes = (app, ctx) => {
  app.addHook('onRequest', apiKeyAuth(ctx.config.http.apiKeys));
  const reader = new ProjectionReader(ctx.redis, { instance: ctx.config.instance, fallback: ctx.config.fold.namespace });
  replyRoute(app, ctx, reader);
  mergeRoute(app, ctx, reader);
};

import { tenantRegistry } from '../../config/policies.ts';
import { ProjectionReader } from '../../projections/reader.ts';
import type { ChannelRoutes } from '../../channels/context.ts';
import { agentStatusRoute } from './agent-status.ts';
import { agentsRoute } from './agents.ts';
import { assignRoute } from './assign.ts';
import type { ActionDeps } from './conversation-action.ts';
import { ActionReceipts } from './idempotency.ts';
import { mergeRoute } from './merge.ts';
import { noteRoute } from './note.ts';
import { priorityRoute } from './priority.ts';
import { reopenRoute } from './reopen.ts';
import { replyRoute } from './reply.ts';
import { resolveRoute } from './resolve.ts';
import { transferRoute } from './transfer.ts';
import { uploadRoute } from './upload.ts';
import { Uploads } from './uploads.ts';

/**
 * What agents do to conversations and customers through the API. Registered beside the channels
 * (it needs the channel context: identities, the event log), behind the same API-key auth as /v1:
 * the key's tenant scopes every id in the request.
 */
export const actionRoutes: ChannelRoutes = (app, ctx) => {
  const reader = new ProjectionReader(ctx.redis, { instance: ctx.config.instance, fallback: ctx.config.fold.namespace });
  const tenants = tenantRegistry(ctx.config.tenants);
  replyRoute(app, ctx, reader, tenants);
  uploadRoute(app, ctx, new Uploads(ctx.redis, ctx.config.instance));
  noteRoute(app, ctx, reader, tenants);
  mergeRoute(app, ctx, reader);

  const deps: ActionDeps = { ctx, reader, tenants, receipts: new ActionReceipts(ctx.redis, ctx.config.instance) };
  assignRoute(app, deps);
  transferRoute(app, deps);
  resolveRoute(app, deps);
  reopenRoute(app, deps);
  priorityRoute(app, deps);
  agentStatusRoute(app, deps);
  agentsRoute(app, deps);
};

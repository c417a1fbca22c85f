import type { FastifyInstance } from 'fastify';
import { summarize } from '../../projections/views.ts';
import { sendError } from '../../http/errors.ts';
import { reachOf } from '../access.ts';
import { limitQuery, type ReadDeps } from './shared.ts';

/** `GET /v1/queues/:team`: the team's open, unassigned conversations, most urgent first. */
export function queueRoutes(app: FastifyInstance, { reader, tenants }: ReadDeps): void {
  app.get<{ Params: { team: string }; Querystring: { limit: number } }>('/queues/:team', { schema: { querystring: limitQuery(100, 1000) }, config: { access: 'conversations:read' } }, async (request, reply) => {
    // An agent reads their own teams' queues only.
    const reach = reachOf(request, tenants(request.tenant).routing);
    if (reach && !reach.teams.includes(request.params.team)) {
      return sendError(reply, 403, 'not_your_team', `you are not in team ${request.params.team}`);
    }
    const scope = await reader.scope(request.tenant);
    const conversations = await reader.queue(scope, request.params.team, request.query.limit);
    return { team: request.params.team, conversations: conversations.map(summarize) };
  });
}

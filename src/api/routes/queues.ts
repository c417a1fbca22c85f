import type { FastifyInstance } from 'fastify';
import { summarize } from '../../projections/views.ts';
import { limitQuery, type ReadDeps } from './shared.ts';

/** `GET /v1/queues/:team`: the team's open, unassigned conversations, most urgent first. */
export function queueRoutes(app: FastifyInstance, { reader }: ReadDeps): void {
  app.get<{ Params: { team: string }; Querystring: { limit: number } }>('/queues/:team', { schema: { querystring: limitQuery(100, 1000) } }, async (request) => {
    const scope = await reader.scope(request.tenant);
    const conversations = await reader.queue(scope, request.params.team, request.query.limit);
    return { team: request.params.team, conversations: conversations.map(summarize) };
  });
}

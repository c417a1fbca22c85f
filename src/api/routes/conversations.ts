import type { FastifyInstance } from 'fastify';
import { notFound } from '../../http/errors.ts';
import { mayHandle } from '../access.ts';
import type { ReadDeps } from './shared.ts';

/** `GET /v1/conversations/:id`: the conversation and its transcript (the latest entries the projection keeps, oldest first). */
export function conversationRoutes(app: FastifyInstance, { reader, tenants }: ReadDeps): void {
  app.get<{ Params: { id: string } }>('/conversations/:id', { config: { access: 'conversations:read' } }, async (request, reply) => {
    const scope = await reader.scope(request.tenant);
    const conversation = await reader.conversation(scope, request.params.id);
    if (!conversation) throw notFound('conversation');
    if (!mayHandle(request, reply, tenants(request.tenant).routing, conversation)) return reply;
    const [transcript = []] = await reader.transcripts(scope, [conversation]);
    return { conversation, transcript };
  });
}

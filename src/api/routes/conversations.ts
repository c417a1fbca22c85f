import type { FastifyInstance } from 'fastify';
import { notFound } from '../../http/errors.ts';
import { withDelivery } from '../../projections/views.ts';
import { mayHandle } from '../access.ts';
import type { ReadDeps } from './shared.ts';

/**
 * `GET /v1/conversations/:id`: the conversation and its transcript (the latest entries the
 * projection keeps, oldest first); each outbound message carries `messageId` and, once anything was
 * reported of it, `delivery: {status, at, error?}` (absent: pending).
 */
export function conversationRoutes(app: FastifyInstance, { reader, tenants }: ReadDeps): void {
  app.get<{ Params: { id: string } }>('/conversations/:id', { config: { access: 'conversations:read' } }, async (request, reply) => {
    const scope = await reader.scope(request.tenant);
    const conversation = await reader.conversation(scope, request.params.id);
    if (!conversation) throw notFound('conversation');
    if (!mayHandle(request, reply, tenants(request.tenant).routing, conversation)) return reply;
    const [[transcript = []], delivery] = await Promise.all([reader.transcripts(scope, [conversation]), reader.delivery(scope, conversation)]);
    return { conversation, transcript: withDelivery(transcript, delivery) };
  });
}

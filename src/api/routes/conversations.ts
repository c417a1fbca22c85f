import type { FastifyInstance } from 'fastify';
import { notFound } from '../../http/errors.ts';
import { withOutcomes } from '../../projections/views.ts';
import { mayHandle } from '../access.ts';
import type { ReadDeps } from './shared.ts';

/**
 * `GET /v1/conversations/:id`: the conversation and its transcript (the latest entries the
 * projection keeps, oldest first); each outbound message carries `messageId` and, once anything was
 * reported of it, `delivery: {status, at, error?}` (absent: pending). Files are listed with their
 * `key` once the bytes are with us (download them from `attachments/:key`), `unavailable` when
 * they never will be, neither while a provider's file is being fetched.
 */
export function conversationRoutes(app: FastifyInstance, { reader, tenants }: ReadDeps): void {
  app.get<{ Params: { id: string } }>('/conversations/:id', { config: { access: 'conversations:read' } }, async (request, reply) => {
    const scope = await reader.scope(request.tenant);
    const conversation = await reader.conversation(scope, request.params.id);
    if (!conversation) throw notFound('conversation');
    if (!mayHandle(request, reply, tenants(request.tenant).routing, conversation)) return reply;
    const [[transcript = []], outcomes] = await Promise.all([reader.transcripts(scope, [conversation]), reader.outcomes(scope, conversation)]);
    return { conversation, transcript: withOutcomes(transcript, outcomes) };
  });
}

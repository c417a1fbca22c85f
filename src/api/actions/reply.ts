import type { FastifyInstance } from 'fastify';
import { nanoid } from 'nanoid';
import { createEvent, deterministicEventId, randomEventId, type EventDataInput } from '../../../events/index.ts';
import type { Conversation } from '../../domain/state.ts';
import { sendError } from '../../http/errors.ts';
import type { ProjectionReader } from '../../projections/reader.ts';
import type { ChannelContext } from '../../channels/context.ts';
import { appendOr503, printableString } from './append.ts';
import { idempotencyKey } from './idempotency.ts';

interface ReplyBody {
  text: string;
  authorId: string;
  internal?: boolean;
  /** E-mail only: defaults to "Re: " + the conversation's subject. */
  subject?: string;
  /** The provider message id answered, when the console knows better than the latest one. */
  inReplyTo?: string;
}

const replySchema = {
  body: {
    type: 'object',
    required: ['text', 'authorId'],
    additionalProperties: false,
    properties: {
      text: { type: 'string', minLength: 1, maxLength: 100_000 },
      authorId: printableString(128),
      internal: { type: 'boolean' },
      subject: { type: 'string', maxLength: 998 },
      inReplyTo: printableString(998),
    },
  },
} as const;

/**
 * `POST /v1/conversations/:id/messages`: an agent's reply (or internal note). The reply goes out on
 * the identity and channel of the customer's latest message (`replyTo`), so an SMS is answered by
 * SMS even in a conversation that began by e-mail. An `Idempotency-Key` header makes a retried
 * request the same event and the same outbound message.
 */
export function replyRoute(app: FastifyInstance, ctx: ChannelContext, reader: ProjectionReader): void {
  agentMessageRoute(app, ctx, reader, { path: '/v1/conversations/:id/messages', schema: replySchema, action: 'message.sent' });
}

/**
 * An agent's message on the conversation of the URL; `internal: true` makes every message of the
 * route an internal note (the notes endpoint). `action` scopes the Idempotency-Key with the
 * conversation, so the same key on another endpoint is another message.
 */
export function agentMessageRoute(
  app: FastifyInstance,
  ctx: ChannelContext,
  reader: ProjectionReader,
  route: { path: string; schema: { body: Record<string, unknown> }; action: string; internal?: true },
): void {
  app.post<{ Params: { id: string }; Body: ReplyBody }>(route.path, { schema: route.schema }, async (request, reply) => {
    const { tenant } = request;
    const body = request.body;
    const internal = route.internal ?? body.internal ?? false;
    const conversation = await reader.conversation(await reader.scope(tenant), request.params.id);
    if (!conversation) return sendError(reply, 404, 'not_found', 'conversation not found');
    if (!internal && conversation.status === 'resolved') {
      return sendError(reply, 409, 'conversation_resolved', 'the conversation is resolved: reopen it first (only internal notes go on a resolved conversation)');
    }
    const target = conversation.replyTo;
    if (!internal && !target) {
      return sendError(reply, 409, 'no_reply_address', 'the customer has not written in this conversation, so there is no address to reply to');
    }

    const key = idempotencyKey(request.headers['idempotency-key']);
    if (key === null) return sendError(reply, 400, 'bad_request', 'Idempotency-Key is 1 to 256 printable characters');
    // Scoped by conversation: a key reused elsewhere is another message, not a duplicate.
    const eventId = key ? deterministicEventId(tenant, 'api', key, `${route.action}/${conversation.id}`) : randomEventId();
    const messageId = key ? `msg_${eventId}` : `msg_${nanoid(21)}`;
    const channel = target?.channel ?? conversation.channels.at(-1) ?? 'chat';
    const data: EventDataInput<'message.sent'> = {
      channel,
      // A note on a conversation nobody wrote in has no provider; it is never delivered anyway.
      provider: target?.provider ?? 'internal',
      author: { kind: 'agent', id: body.authorId },
      text: body.text,
      internal,
      messageId,
    };
    if (target) data.handle = target.handle;
    const subject = body.subject ?? replySubject(conversation);
    if (channel === 'email' && subject) data.subject = subject;
    if (body.inReplyTo) data.inReplyTo = body.inReplyTo;

    const event = createEvent({
      type: 'message.sent',
      id: eventId,
      source: '/api',
      tenant,
      customer: conversation.customer,
      conversation: conversation.id,
      time: ctx.now().toISOString(),
      data,
    });
    if (!(await appendOr503(ctx.eventLog, [event], reply))) return reply;
    return reply.code(202).send({ messageId, eventId });
  });
}

function replySubject(conversation: Conversation): string | undefined {
  if (!conversation.subject) return undefined;
  return /^re:/i.test(conversation.subject) ? conversation.subject : `Re: ${conversation.subject}`;
}

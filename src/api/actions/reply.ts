import type { FastifyInstance } from 'fastify';
import { nanoid } from 'nanoid';
import { createEvent, deterministicEventId, randomEventId } from '../../../events/index.ts';
import { decideAgentMessage } from '../../domain/actions/index.ts';
import { sendError } from '../../http/errors.ts';
import type { TenantRegistry } from '../../config/policies.ts';
import type { ProjectionReader } from '../../projections/reader.ts';
import type { Channel } from '../../domain/state.ts';
import { authContextOf, mayHandle, principalOf } from '../access.ts';
import type { ChannelContext } from '../../channels/context.ts';
import { appendOr503, printableString } from './append.ts';
import { idempotencyKey } from './idempotency.ts';
import { sendRefusal } from './refusals.ts';

interface ReplyBody {
  text: string;
  /** The agent who wrote it: a signed-in person is always themselves; an API key names the agent it writes for. */
  authorId?: string;
  internal?: boolean;
  /** E-mail only: defaults to "Re: " + the conversation's subject. */
  subject?: string;
  /** The provider message id answered, when the console knows better than the latest one. */
  inReplyTo?: string;
  /** Another of the customer's identities to answer on (default: the one they last wrote from). */
  to?: { channel: Channel; handle: string };
}

const replySchema = {
  body: {
    type: 'object',
    required: ['text'],
    additionalProperties: false,
    properties: {
      text: { type: 'string', minLength: 1, maxLength: 100_000 },
      authorId: printableString(128),
      internal: { type: 'boolean' },
      subject: { type: 'string', maxLength: 998 },
      inReplyTo: printableString(998),
      to: {
        type: 'object',
        required: ['channel', 'handle'],
        additionalProperties: false,
        properties: { channel: { type: 'string', enum: ['email', 'chat', 'sms', 'social'] }, handle: printableString(320) },
      },
    },
  },
} as const;

/**
 * `POST /v1/conversations/:id/messages`: an agent's reply (or internal note). The reply goes out on
 * the identity and channel of the customer's latest message (`replyTo`), so an SMS is answered by
 * SMS even in a conversation that began by e-mail. An `Idempotency-Key` header makes a retried
 * request the same event and the same outbound message.
 */
export function replyRoute(app: FastifyInstance, ctx: ChannelContext, reader: ProjectionReader, tenants: TenantRegistry): void {
  agentMessageRoute(app, ctx, reader, tenants, { path: '/v1/conversations/:id/messages', schema: replySchema, action: 'message.sent' });
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
  tenants: TenantRegistry,
  route: { path: string; schema: { body: Record<string, unknown> }; action: string; internal?: true },
): void {
  app.post<{ Params: { id: string }; Body: ReplyBody }>(route.path, { schema: route.schema, config: { access: 'conversations:act' } }, async (request, reply) => {
    const { tenant } = request;
    const body = request.body;
    const internal = route.internal ?? body.internal ?? false;
    const scope = await reader.scope(tenant);
    const conversation = await reader.conversation(scope, request.params.id);
    if (!conversation) return sendError(reply, 404, 'not_found', 'conversation not found');
    if (!mayHandle(request, reply, tenants(tenant).routing, conversation)) return reply;
    // The author is the server's word: a signed-in person writes as themselves; a key names its agent.
    const principal = principalOf(request);
    let authorId = body.authorId;
    if (principal.kind === 'person') {
      const self = principal.agent ?? principal.account;
      if (authorId !== undefined && authorId !== self) return sendError(reply, 403, 'not_yourself', `signed in, you write as yourself (${self}); leave "authorId" out`);
      authorId = self;
    } else if (authorId === undefined) {
      return sendError(reply, 400, 'bad_request', 'authorId is required with an API key: the agent the integration writes for');
    }
    // The identities are read only when the console chose one: the usual reply goes to replyTo.
    const identities = body.to ? ((await reader.customers(scope, [conversation.customer])).get(conversation.customer)?.identities ?? []) : [];
    const decision = decideAgentMessage(
      { conversation, identities },
      { authorId, text: body.text, internal, subject: body.subject, inReplyTo: body.inReplyTo, ...(body.to ? { to: body.to } : {}) },
    );
    if (!decision.ok) return sendRefusal(reply, decision.refusal);

    const key = idempotencyKey(request.headers['idempotency-key']);
    if (key === null) return sendError(reply, 400, 'bad_request', 'Idempotency-Key is 1 to 256 printable characters');
    // Scoped by conversation: a key reused elsewhere is another message, not a duplicate.
    const eventId = key ? deterministicEventId(tenant, 'api', key, `${route.action}/${conversation.id}`) : randomEventId();
    const messageId = key ? `msg_${eventId}` : `msg_${nanoid(21)}`;
    const event = createEvent({
      type: decision.event.type,
      id: eventId,
      source: '/api',
      tenant,
      customer: conversation.customer,
      conversation: conversation.id,
      time: ctx.now().toISOString(),
      data: { ...decision.event.data, messageId },
      auth: authContextOf(principal, principal.kind === 'key' ? { kind: 'agent', id: authorId } : undefined),
    });
    if (!(await appendOr503(ctx.eventLog, [event], reply))) return reply;
    return reply.code(202).send({ messageId, eventId });
  });
}

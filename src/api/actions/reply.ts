import type { FastifyInstance } from 'fastify';
import { nanoid } from 'nanoid';
import { createEvent, deterministicEventId, randomEventId } from '../../../events/index.ts';
import { decideAgentMessage } from '../../domain/actions/index.ts';
import { sendError } from '../../http/errors.ts';
import { ERASED } from '../../privacy/index.ts';
import type { TenantRegistry } from '../../config/policies.ts';
import type { ProjectionReader } from '../../projections/reader.ts';
import type { Channel } from '../../domain/state.ts';
import { authContextOf, mayHandle, principalOf } from '../access.ts';
import type { ChannelContext } from '../../channels/context.ts';
import { appendOr503, printableString } from './append.ts';
import { idempotencyKey } from './idempotency.ts';
import { sendRefusal } from './refusals.ts';
import { MAX_OUTBOUND_ATTACHMENTS } from '../../domain/outbound-attachments.ts';
import { Uploads } from './uploads.ts';

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
  /** Files uploaded with POST /v1/attachments, by the key it answered. */
  attachments?: Array<{ key: string; filename: string; contentType: string }>;
}

const replySchema = {
  body: {
    type: 'object',
    required: ['text'],
    additionalProperties: false,
    properties: {
      // Empty only with attachments (the decider refuses an empty message).
      text: { type: 'string', maxLength: 100_000 },
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
      attachments: {
        type: 'array',
        maxItems: MAX_OUTBOUND_ATTACHMENTS,
        items: {
          type: 'object',
          required: ['key', 'filename', 'contentType'],
          additionalProperties: false,
          // As message.sent's attachmentSchema takes them; whether the key is an upload of the tenant's is the handler's.
          properties: { key: printableString(128), filename: { type: 'string', minLength: 1, maxLength: 255 }, contentType: { type: 'string', maxLength: 255, pattern: '^[^\\s/]+/[^\\s/;]+' } },
        },
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
  const store = ctx.attachments;
  const uploads = new Uploads(ctx.redis, ctx.config.instance);
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
    const sealedIdentities = body.to ? ((await reader.customers(scope, [conversation.customer])).get(conversation.customer)?.identities ?? []) : [];
    // Decided on what the agent sees (the subject to answer, the handle chosen); sealed again on append.
    const opened = ctx.privacy ? await ctx.privacy.opener.open(tenant, { conversation, identities: sealedIdentities }) : { conversation, identities: sealedIdentities };
    const identities = opened.identities;
    // Each file must be this workspace's upload (the store is shared by all), its size the stored one.
    const files = body.attachments ?? [];
    const foreign = (await uploads.notUploaded(tenant, files.map((f) => f.key)))[0];
    const sizes = await Promise.all(files.map((f) => (f.key === foreign ? null : store.size(f.key))));
    const missing = files.find((f, i) => f.key === foreign || sizes[i] === null);
    if (missing) {
      return sendError(reply, 422, 'unknown_attachment', `attachment ${JSON.stringify(missing.filename)} (${missing.key}) is not a file uploaded to this workspace: upload it first (POST /v1/attachments)`, { attachment: missing.key });
    }
    const attachments = files.map((f, i) => ({ filename: f.filename, contentType: f.contentType, size: sizes[i]!, storageKey: f.key }));
    const decision = decideAgentMessage(
      { conversation: opened.conversation, identities },
      {
        authorId,
        text: body.text,
        internal,
        subject: body.subject,
        inReplyTo: body.inReplyTo,
        ...(body.to ? { to: body.to } : {}),
        ...(attachments.length > 0 ? { attachments, maxAttachmentBytes: ctx.config.channels.attachments.maxBytes } : {}),
      },
    );
    if (!decision.ok) return sendRefusal(reply, decision.refusal);
    // The address opened to "[erased]": the person was forgotten, there is nobody to send it to.
    if (!internal && decision.event.type === 'message.sent' && decision.event.data.handle === ERASED) {
      return sendError(reply, 409, 'customer_erased', 'this customer was erased: no address of theirs is left to reply to (an internal note is still possible)');
    }

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

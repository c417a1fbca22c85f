import type { EventDataInput } from '../../../events/index.ts';
import { conversationChannel } from '../conversation-channel.ts';
import { checkOutboundAttachments, type OutgoingFile } from '../outbound-attachments.ts';
import type { Conversation, Identity } from '../state.ts';
import { refused, type ActionEvent, type RefusalOf, type Refused } from './decision.ts';

export interface AgentMessageState {
  conversation: Pick<Conversation, 'status' | 'replyTo' | 'channels' | 'subject'>;
  /** The customer's identities: a reply may go to any of them instead of the latest one. */
  identities?: ReadonlyArray<Pick<Identity, 'channel' | 'provider' | 'handle'>>;
}

export interface AgentMessageRequest {
  authorId: string;
  text: string;
  /** An internal note: for agents only, never delivered. */
  internal: boolean;
  /** E-mail only: defaults to "Re: " + the conversation's subject. */
  subject?: string;
  /** The provider message id answered, when the console knows better than the latest one. */
  inReplyTo?: string;
  /** Another of the customer's identities to reply to (the agent changed it in the composer). */
  to?: { channel: Identity['channel']; handle: string };
  /** Files to send with it, each the tenant's upload with its size from the store (the API checked both). */
  attachments?: ReadonlyArray<OutgoingFile & { storageKey: string }>;
  /** `channels.attachments.maxBytes`: the limit of the channels no provider limits for us (e-mail, chat). */
  maxAttachmentBytes?: number;
}

export type AgentMessageRefusal = RefusalOf<'conversation_resolved' | 'no_reply_address' | 'unknown_identity' | 'attachment_refused' | 'bad_request'>;

/**
 * The message, without its id: the API names it (`messageId`, from the Idempotency-Key when there
 * is one) as it names the event.
 */
export type AgentMessage = ActionEvent<'message.sent'> & { data: Omit<EventDataInput<'message.sent'>, 'messageId'> };

/**
 * An agent's reply, or an internal note. A reply goes out on the identity and channel of the
 * customer's latest message (`replyTo`), so an SMS is answered by SMS even in a conversation that
 * began by e-mail; it needs a customer who wrote and a conversation not resolved. A note goes on any
 * conversation, resolved or one nobody wrote in (then on the channel it opened on, with no provider).
 */
export function decideAgentMessage({ conversation, identities = [] }: AgentMessageState, request: AgentMessageRequest): { ok: true; event: AgentMessage } | Refused<AgentMessageRefusal> {
  const { internal, to } = request;
  const attachments = request.attachments ?? [];
  if (request.text === '' && attachments.length === 0) return refused({ code: 'bad_request', message: 'a message needs a text or an attachment' });
  if (!internal && conversation.status === 'resolved') {
    return refused({ code: 'conversation_resolved', message: 'the conversation is resolved: reopen it first (only internal notes go on a resolved conversation)' });
  }
  // A chosen identity must be one the customer wrote from: the engine never sends to an address
  // the customer did not give (a typo in the console, a stale page after a merge was undone).
  const chosen = to && !internal ? identities.find((i) => i.channel === to.channel && i.handle === to.handle) : undefined;
  if (to && !internal && !chosen) {
    return refused({ code: 'unknown_identity', message: `the customer has no ${to.channel} identity ${JSON.stringify(to.handle)}: reply to one of theirs` });
  }
  const target = chosen ? { channel: chosen.channel, provider: chosen.provider, handle: chosen.handle } : conversation.replyTo;
  if (!internal && !target) {
    return refused({ code: 'no_reply_address', message: 'the customer has not written in this conversation, so there is no address to reply to' });
  }
  // target's channel when there is a target (the same rule); a note in a conversation nobody wrote in, the one it opened on.
  const channel = chosen ? chosen.channel : conversationChannel(conversation);
  // Checked here rather than by the connector: refused now, the agent can send another file; refused
  // by the provider, the customer would get the text without the file and the agent a failure later.
  if (!internal && target && attachments.length > 0) {
    const verdict = checkOutboundAttachments({ channel, provider: target.provider }, attachments, { maxBytes: request.maxAttachmentBytes ?? Number.POSITIVE_INFINITY });
    if (!verdict.ok) {
      return refused({ code: 'attachment_refused', message: verdict.message, channel: verdict.channel, ...(verdict.attachment !== undefined ? { attachment: verdict.attachment } : {}) });
    }
  }
  const data: AgentMessage['data'] = {
    channel,
    // A note on a conversation nobody wrote in has no provider; it is never delivered anyway.
    provider: target?.provider ?? 'internal',
    author: { kind: 'agent', id: request.authorId },
    text: request.text,
    internal,
  };
  if (target) data.handle = target.handle;
  const subject = request.subject ?? replySubject(conversation.subject);
  if (channel === 'email' && subject) data.subject = subject;
  if (request.inReplyTo) data.inReplyTo = request.inReplyTo;
  if (attachments.length > 0) data.attachments = attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size, storageKey: a.storageKey }));
  return { ok: true, event: { type: 'message.sent', data } };
}

function replySubject(subject: string | null): string | undefined {
  if (!subject) return undefined;
  return /^re:/i.test(subject) ? subject : `Re: ${subject}`;
}

import type { AnyEvent } from '../../../events/index.ts';
import { conversationChannel } from '../../domain/conversation-channel.ts';
import type { Conversation } from '../../domain/state.ts';
import { stepEvent, type WorkflowContext } from '../context.ts';

/**
 * A message from our side (the bot, a survey invitation) to the customer, on the identity and
 * channel of their latest message, as an agent's reply would go. Its message id comes from the
 * event id, so the outbound connector delivers it once.
 */
export function messageToCustomer(
  ctx: WorkflowContext,
  job: { id: string; step: string },
  part: string,
  conversation: Conversation,
  author: { kind: 'bot' | 'system'; id: string },
  text: string,
  subject?: string,
): AnyEvent | null {
  const to = conversation.replyTo;
  if (!to) return null;
  const event = stepEvent(ctx, job, part, {
    type: 'message.sent',
    tenant: conversation.tenant,
    customer: conversation.customer,
    conversation: conversation.id,
    data: { channel: to.channel, provider: to.provider, handle: to.handle, author, text, ...(subject && to.channel === 'email' ? { subject } : {}) },
  });
  if (event.type === 'message.sent') event.data.messageId = `msg_${event.id}`;
  return event;
}

/** An internal note: agents see it on the conversation, the customer never does. */
export function internalNote(ctx: WorkflowContext, job: { id: string; step: string }, part: string, conversation: Conversation, text: string): AnyEvent {
  return stepEvent(ctx, job, part, {
    type: 'message.sent',
    tenant: conversation.tenant,
    customer: conversation.customer,
    conversation: conversation.id,
    data: { channel: conversationChannel(conversation), provider: 'internal', author: { kind: 'system', id: 'workflow' }, text, internal: true },
  });
}

import type { Conversation, Customer } from '../state.ts';
import { accepted, refused, type Actor, type ConversationDecision, type RefusalOf } from './decision.ts';

export interface ReopenState {
  conversation: Pick<Conversation, 'id' | 'status'>;
  /** The conversation's customer, as projected (undefined before their fold is read). */
  customer: Pick<Customer, 'openConversationId'> | undefined;
}

export interface ReopenRequest {
  by: Actor;
  reason?: string;
}

export type ReopenRefusal = RefusalOf<'not_resolved' | 'customer_has_open_conversation'>;

/**
 * Opens a resolved conversation again. A customer has at most one open conversation (their next
 * message lands in it); the fold would resolve the other one to keep that true, so a reopen while
 * another is open is refused, naming it: the agent decides which one to close.
 */
export function decideReopen({ conversation, customer }: ReopenState, request: ReopenRequest): ConversationDecision<'conversation.reopened', ReopenRefusal> {
  if (conversation.status !== 'resolved') {
    return refused({ code: 'not_resolved', message: `the conversation is ${conversation.status}, not resolved: there is nothing to reopen` });
  }
  const other = customer?.openConversationId;
  if (other && other !== conversation.id) {
    return refused({
      code: 'customer_has_open_conversation',
      message: `the customer has another open conversation, ${other}: resolve it first or continue there`,
      openConversation: other,
    });
  }
  return accepted('conversation.reopened', { by: request.by, ...(request.reason ? { reason: request.reason } : {}) });
}

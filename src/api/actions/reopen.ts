import type { FastifyInstance } from 'fastify';
import { actorInputSchema, actorOf, type ActorInput } from './actors.ts';
import { conversationAction, refuse, type ActionDeps, type ActionInput } from './conversation-action.ts';

interface ReopenBody {
  by: ActorInput;
  reason?: string;
}

const reopenBody = {
  type: 'object',
  required: ['by'],
  additionalProperties: false,
  properties: { by: actorInputSchema, reason: { type: 'string', maxLength: 500 } },
};

/**
 * Opens a resolved conversation again. A customer has at most one open conversation (their next
 * message lands in it); the fold would resolve the other one to keep that true, so a reopen while
 * another is open is refused, naming it: the agent decides which one to close.
 */
export function decideReopen({ conversation, customer, body }: ActionInput<ReopenBody>) {
  if (conversation.status !== 'resolved') return refuse(409, 'not_resolved', `the conversation is ${conversation.status}, not resolved: there is nothing to reopen`);
  const other = customer?.openConversationId;
  if (other && other !== conversation.id) {
    return refuse(409, 'customer_has_open_conversation', `the customer has another open conversation, ${other}: resolve it first or continue there`, { openConversation: other });
  }
  return {
    type: 'conversation.reopened' as const,
    data: { by: actorOf(body.by), ...(body.reason ? { reason: body.reason } : {}) },
  };
}

/** `POST /v1/conversations/:id/reopen` {by, reason?}. */
export function reopenRoute(app: FastifyInstance, deps: ActionDeps): void {
  conversationAction(app, deps, { action: 'reopen', body: reopenBody, decide: decideReopen });
}

import type { FastifyInstance } from 'fastify';
import type { Conversation } from '../../domain/state.ts';
import { actorInputSchema, actorOf, type ActorInput } from './actors.ts';
import { printableString } from './append.ts';
import { conversationAction, refuse, type ActionDeps, type ActionInput } from './conversation-action.ts';
import { configuredAgent } from './roster.ts';

interface AssignBody {
  agent: string;
  /** Who assigned it (on the event; a body without it is the API key's agent console, `agent` api). */
  by?: ActorInput;
}

const assignBody = {
  type: 'object',
  required: ['agent'],
  additionalProperties: false,
  properties: { agent: printableString(256), by: actorInputSchema },
};

/**
 * An agent or supervisor gives the conversation to an agent by hand. The team stays the
 * conversation's; the seat taken is on the channel the customer last wrote on (where replies go).
 */
export function decideAssign({ conversation, body, settings }: ActionInput<AssignBody>) {
  if (!configuredAgent(settings, body.agent)) return refuse(422, 'unknown_agent', `${body.agent} is not an agent of this workspace`);
  if (conversation.status === 'resolved') return refuse(409, 'conversation_resolved', 'the conversation is resolved: reopen it before assigning it');
  if (conversation.assignee === body.agent) return refuse(409, 'already_assigned', `the conversation is already assigned to ${body.agent}`);
  const channel = seatOf(conversation);
  return {
    type: 'conversation.assigned' as const,
    data: { assignee: body.agent, team: conversation.team, reason: 'manual', ...(channel ? { channel } : {}), ...(body.by !== undefined ? { by: actorOf(body.by) } : {}) },
  };
}

const seatOf = (c: Conversation) => c.replyTo?.channel ?? c.channels.at(-1);

/** `POST /v1/conversations/:id/assign` {agent, by?}. */
export function assignRoute(app: FastifyInstance, deps: ActionDeps): void {
  conversationAction(app, deps, { action: 'assign', body: assignBody, decide: decideAssign });
}

import { conversationChannel } from '../conversation-channel.ts';
import type { Conversation } from '../state.ts';
import { accepted, refused, type Actor, type ConversationDecision, type RefusalOf } from './decision.ts';
import { agentNamed, type Roster } from './roster.ts';

export interface AssignState {
  conversation: Pick<Conversation, 'status' | 'assignee' | 'team' | 'replyTo' | 'channels'>;
  roster: Pick<Roster, 'agents'>;
}

export interface AssignRequest {
  agent: string;
  /** Who assigned it, on the event. */
  by: Actor;
}

export type AssignRefusal = RefusalOf<'unknown_agent' | 'conversation_resolved' | 'already_assigned'>;

/**
 * An agent or supervisor gives the conversation to an agent by hand. The team stays the
 * conversation's; the seat taken is on the conversation's channel (`conversationChannel`: where the
 * customer last wrote, where replies go). The event names who did it.
 */
export function decideAssign({ conversation, roster }: AssignState, request: AssignRequest): ConversationDecision<'conversation.assigned', AssignRefusal> {
  if (!agentNamed(roster, request.agent)) return refused({ code: 'unknown_agent', message: `${request.agent} is not an agent of this workspace` });
  if (conversation.status === 'resolved') return refused({ code: 'conversation_resolved', message: 'the conversation is resolved: reopen it before assigning it' });
  if (conversation.assignee === request.agent) return refused({ code: 'already_assigned', message: `the conversation is already assigned to ${request.agent}` });
  return accepted('conversation.assigned', {
    assignee: request.agent,
    team: conversation.team,
    reason: 'manual',
    channel: conversationChannel(conversation),
    by: request.by,
  });
}

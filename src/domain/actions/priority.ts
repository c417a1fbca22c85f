import type { Conversation, Priority } from '../state.ts';
import { accepted, refused, type Actor, type ConversationDecision, type RefusalOf } from './decision.ts';

export interface PriorityState {
  conversation: Pick<Conversation, 'status' | 'priority'>;
}

export interface PriorityRequest {
  priority: Priority;
  by: Actor;
}

export type PriorityRefusal = RefusalOf<'conversation_resolved' | 'same_priority'>;

/** Sets the priority, higher or lower (escalation only ever raises it; a person may lower it). */
export function decidePriority({ conversation }: PriorityState, request: PriorityRequest): ConversationDecision<'conversation.priority_changed', PriorityRefusal> {
  if (conversation.status === 'resolved') return refused({ code: 'conversation_resolved', message: 'the conversation is resolved: reopen it before changing its priority' });
  if (conversation.priority === request.priority) return refused({ code: 'same_priority', message: `the conversation's priority is already ${request.priority}` });
  return accepted('conversation.priority_changed', { priority: request.priority, by: request.by });
}

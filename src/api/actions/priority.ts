import type { FastifyInstance } from 'fastify';
import type { Priority } from '../../domain/state.ts';
import { actorInputSchema, actorOf, type ActorInput } from './actors.ts';
import { conversationAction, refuse, type ActionDeps, type ActionInput } from './conversation-action.ts';

interface PriorityBody {
  priority: Priority;
  by: ActorInput;
}

const priorityBody = {
  type: 'object',
  required: ['priority', 'by'],
  additionalProperties: false,
  properties: { priority: { type: 'string', enum: ['low', 'normal', 'high', 'urgent'] }, by: actorInputSchema },
};

/** Sets the priority, higher or lower (escalation only ever raises it; a person may lower it). */
export function decidePriority({ conversation, body }: ActionInput<PriorityBody>) {
  if (conversation.status === 'resolved') return refuse(409, 'conversation_resolved', 'the conversation is resolved: reopen it before changing its priority');
  if (conversation.priority === body.priority) return refuse(409, 'same_priority', `the conversation's priority is already ${body.priority}`);
  return { type: 'conversation.priority_changed' as const, data: { priority: body.priority, by: actorOf(body.by) } };
}

/** `POST /v1/conversations/:id/priority` {priority, by}. */
export function priorityRoute(app: FastifyInstance, deps: ActionDeps): void {
  conversationAction(app, deps, { action: 'priority', body: priorityBody, decide: decidePriority });
}

import type { FastifyInstance } from 'fastify';
import { decidePriority } from '../../domain/actions/index.ts';
import type { Priority } from '../../domain/state.ts';
import { actorInputSchema, type ActorInput } from './actors.ts';
import { conversationAction, type ActionDeps } from './conversation-action.ts';

interface PriorityBody {
  priority: Priority;
  by?: ActorInput;
}

const priorityBody = {
  type: 'object',
  required: ['priority'],
  additionalProperties: false,
  properties: { priority: { type: 'string', enum: ['low', 'normal', 'high', 'urgent'] }, by: actorInputSchema },
};

/** `POST /v1/conversations/:id/priority` {priority, by}: sets the priority, higher or lower (decided by `decidePriority`). */
export function priorityRoute(app: FastifyInstance, deps: ActionDeps): void {
  conversationAction<PriorityBody, 'conversation.priority_changed'>(app, deps, {
    action: 'priority',
    body: priorityBody,
    decide: ({ conversation, body, actor }) => decidePriority({ conversation }, { priority: body.priority, by: actor }),
  });
}

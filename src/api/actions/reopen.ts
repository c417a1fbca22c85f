import type { FastifyInstance } from 'fastify';
import { decideReopen } from '../../domain/actions/index.ts';
import { actorInputSchema, type ActorInput } from './actors.ts';
import { conversationAction, type ActionDeps } from './conversation-action.ts';

interface ReopenBody {
  by?: ActorInput;
  reason?: string;
}

const reopenBody = {
  type: 'object',
    additionalProperties: false,
  properties: { by: actorInputSchema, reason: { type: 'string', maxLength: 500 } },
};

/**
 * `POST /v1/conversations/:id/reopen` {by, reason?}: opens a resolved conversation again, unless the
 * customer has another one open (decided by `decideReopen`, with the customer's projection).
 */
export function reopenRoute(app: FastifyInstance, deps: ActionDeps): void {
  conversationAction<ReopenBody, 'conversation.reopened'>(app, deps, {
    action: 'reopen',
    body: reopenBody,
    decide: ({ conversation, customer, body, actor }) => decideReopen({ conversation, customer }, { by: actor, reason: body.reason }),
  });
}

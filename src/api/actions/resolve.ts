import type { FastifyInstance } from 'fastify';
import { decideResolve } from '../../domain/actions/index.ts';
import { actorInputSchema, type ActorInput } from './actors.ts';
import { conversationAction, type ActionDeps } from './conversation-action.ts';

interface ResolveBody {
  by?: ActorInput;
}

const resolveBody = { type: 'object', additionalProperties: false, properties: { by: actorInputSchema } };

/** `POST /v1/conversations/:id/resolve` {by?}: resolved now, at the server's time (decided by `decideResolve`). */
export function resolveRoute(app: FastifyInstance, deps: ActionDeps): void {
  conversationAction<ResolveBody, 'conversation.resolved'>(app, deps, {
    action: 'resolve',
    body: resolveBody,
    decide: ({ conversation, now, actor }) => decideResolve({ conversation }, { by: actor, at: now }),
  });
}

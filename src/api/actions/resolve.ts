import type { FastifyInstance } from 'fastify';
import { actorInputSchema, actorOf, type ActorInput } from './actors.ts';
import { conversationAction, refuse, type ActionDeps, type ActionInput } from './conversation-action.ts';

interface ResolveBody {
  by: ActorInput;
}

const resolveBody = { type: 'object', required: ['by'], additionalProperties: false, properties: { by: actorInputSchema } };

/** Resolved now, by whoever asked; the seat it took is free again (the fold asks for a queue drain). */
export function decideResolve({ conversation, body, now }: ActionInput<ResolveBody>) {
  if (conversation.status === 'resolved') return refuse(409, 'already_resolved', `the conversation was already resolved at ${conversation.resolvedAt}`);
  const by = actorOf(body.by);
  return {
    type: 'conversation.resolved' as const,
    data: { by, at: now, reason: by.kind === 'bot' ? ('bot' as const) : ('agent' as const) },
  };
}

/** `POST /v1/conversations/:id/resolve` {by}. */
export function resolveRoute(app: FastifyInstance, deps: ActionDeps): void {
  conversationAction(app, deps, { action: 'resolve', body: resolveBody, decide: decideResolve });
}

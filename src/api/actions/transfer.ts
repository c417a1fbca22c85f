import type { FastifyInstance } from 'fastify';
import { decideTransfer } from '../../domain/actions/index.ts';
import { actorInputSchema, type ActorInput } from './actors.ts';
import { conversationAction, type ActionDeps } from './conversation-action.ts';

interface TransferBody {
  /** The agent taking over; null or left out puts the conversation back in a team queue. */
  toAgent?: string | null;
  /** The team it moves to; null or left out keeps the conversation's team. */
  toTeam?: string | null;
  by?: ActorInput;
  reason?: string;
}

// `type: [string, null]` rather than anyOf: fastify's type coercion would read "" as null in an anyOf.
const transferBody = {
  type: 'object',
    additionalProperties: false,
  properties: {
    toAgent: { type: ['string', 'null'], minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
    toTeam: { type: ['string', 'null'], minLength: 1, maxLength: 64 },
    by: actorInputSchema,
    reason: { type: 'string', maxLength: 500 },
  },
};

/**
 * `POST /v1/conversations/:id/transfer` {toAgent?, toTeam?, by, reason?}: moves the conversation to
 * another agent, another team, or both (decided by `decideTransfer`).
 */
export function transferRoute(app: FastifyInstance, deps: ActionDeps): void {
  conversationAction<TransferBody, 'conversation.transferred'>(app, deps, {
    action: 'transfer',
    body: transferBody,
    handsTo: (body) => body.toAgent,
    decide: ({ conversation, body, settings, actor }) =>
      decideTransfer({ conversation, roster: settings.routing }, { toAgent: body.toAgent, toTeam: body.toTeam, by: actor, reason: body.reason }),
  });
}

import type { FastifyInstance } from 'fastify';
import { actorInputSchema, actorOf, type ActorInput } from './actors.ts';
import { conversationAction, refuse, type ActionDeps, type ActionInput } from './conversation-action.ts';
import { configuredAgent, configuredTeam } from './roster.ts';

interface TransferBody {
  /** The agent taking over; null or left out puts the conversation back in a team queue. */
  toAgent?: string | null;
  /** The team it moves to; null or left out keeps the conversation's team. */
  toTeam?: string | null;
  by: ActorInput;
  reason?: string;
}

// `type: [string, null]` rather than anyOf: fastify's type coercion would read "" as null in an anyOf.
const transferBody = {
  type: 'object',
  required: ['by'],
  additionalProperties: false,
  properties: {
    toAgent: { type: ['string', 'null'], minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
    toTeam: { type: ['string', 'null'], minLength: 1, maxLength: 64 },
    by: actorInputSchema,
    reason: { type: 'string', maxLength: 500 },
  },
};

/**
 * Moves the conversation to another agent, another team, or both. Naming only a team puts it in
 * that team's queue (unassigned); naming only an agent keeps the team. A transfer that would leave
 * the conversation where it is is refused, so the log never records a move that did not happen.
 */
export function decideTransfer({ conversation, body, settings }: ActionInput<TransferBody>) {
  if (!('toAgent' in body) && !('toTeam' in body)) return refuse(400, 'bad_request', 'name toAgent, toTeam or both');
  const toAgent = body.toAgent ?? null;
  const toTeam = body.toTeam ?? null;
  if (toTeam !== null && !configuredTeam(settings, toTeam)) return refuse(422, 'unknown_team', `${toTeam} is not a team of this workspace`);
  const agent = toAgent === null ? undefined : configuredAgent(settings, toAgent);
  if (toAgent !== null && !agent) return refuse(422, 'unknown_agent', `${toAgent} is not an agent of this workspace`);
  if (agent && toTeam !== null && !agent.teams.includes(toTeam)) {
    return refuse(422, 'agent_not_in_team', `${agent.id} is not in team ${toTeam} (their teams: ${agent.teams.join(', ')})`);
  }
  if (conversation.status === 'resolved') return refuse(409, 'conversation_resolved', 'the conversation is resolved: reopen it before transferring it');
  const team = toTeam ?? conversation.team;
  if (toAgent === conversation.assignee && team === conversation.team) {
    const where = toAgent === null ? `unassigned in ${team ?? 'the untriaged queue'}` : `with ${toAgent}${team ? ` in team ${team}` : ''}`;
    return refuse(409, 'no_change', `the conversation is already ${where}: the transfer would change nothing`);
  }
  return {
    type: 'conversation.transferred' as const,
    data: { toAgent, toTeam, by: actorOf(body.by), ...(body.reason ? { reason: body.reason } : {}) },
  };
}

/** `POST /v1/conversations/:id/transfer` {toAgent?, toTeam?, by, reason?}. */
export function transferRoute(app: FastifyInstance, deps: ActionDeps): void {
  conversationAction(app, deps, { action: 'transfer', body: transferBody, decide: decideTransfer });
}

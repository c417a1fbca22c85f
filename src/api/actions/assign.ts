import type { FastifyInstance } from 'fastify';
import { decideAssign } from '../../domain/actions/index.ts';
import { actorInputSchema, type ActorInput } from './actors.ts';
import { printableString } from './append.ts';
import { conversationAction, type ActionDeps } from './conversation-action.ts';

interface AssignBody {
  agent: string;
  /** Who assigned it, on the event; left out, the API itself (`{kind: 'system', id: 'api'}`), as for every action. */
  by?: ActorInput;
}

const assignBody = {
  type: 'object',
  required: ['agent'],
  additionalProperties: false,
  properties: { agent: printableString(256), by: actorInputSchema },
};

/**
 * `POST /v1/conversations/:id/assign` {agent, by?}: an agent or supervisor gives the conversation to
 * an agent by hand (decided by `decideAssign`: the seat is on the conversation's channel).
 */
export function assignRoute(app: FastifyInstance, deps: ActionDeps): void {
  conversationAction<AssignBody, 'conversation.assigned'>(app, deps, {
    action: 'assign',
    body: assignBody,
    handsTo: (body) => body.agent,
    decide: ({ conversation, body, settings, actor }) => decideAssign({ conversation, roster: settings.routing }, { agent: body.agent, by: actor }),
  });
}

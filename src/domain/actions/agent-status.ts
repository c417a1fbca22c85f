import type { EventDataInput } from '../../../events/index.ts';
import { refused, type ActionEvent, type RefusalOf, type Refused } from './decision.ts';
import { agentNamed, type Roster } from './roster.ts';

export interface AgentStatusState {
  roster: Pick<Roster, 'agents'>;
}

export type AgentStatusRequest = EventDataInput<'agent.status_changed'>;

export type AgentStatusRefusal = RefusalOf<'not_found'>;

/**
 * An agent goes online, away or offline, or changes their seats for the session. Only a configured
 * agent has a status; nothing else is checked against the state: saying "online" twice is harmless,
 * and the console shows what the agent chose. The event goes on the agent's own key.
 */
export function decideAgentStatus({ roster }: AgentStatusState, request: AgentStatusRequest): { ok: true; event: ActionEvent<'agent.status_changed'> } | Refused<AgentStatusRefusal> {
  if (!agentNamed(roster, request.agent)) return refused({ code: 'not_found', message: `agent ${request.agent} not found` });
  const { agent, status, capacity } = request;
  return { ok: true, event: { type: 'agent.status_changed', data: { agent, status, ...(capacity ? { capacity } : {}) } } };
}

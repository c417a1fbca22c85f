import type { Conversation } from '../state.ts';
import { accepted, refused, type Actor, type ConversationDecision, type RefusalOf } from './decision.ts';
import { agentNamed, teamNamed, type Roster } from './roster.ts';

export interface TransferState {
  conversation: Pick<Conversation, 'status' | 'assignee' | 'team'>;
  roster: Roster;
}

export interface TransferRequest {
  /** The agent taking over; null puts the conversation back in a team queue; left out, the same as null. */
  toAgent?: string | null;
  /** The team it moves to; null or left out keeps the conversation's team. */
  toTeam?: string | null;
  by: Actor;
  reason?: string;
}

export type TransferRefusal = RefusalOf<'bad_request' | 'unknown_team' | 'unknown_agent' | 'agent_not_in_team' | 'conversation_resolved' | 'no_change'>;

/**
 * Moves the conversation to another agent, another team, or both. Naming only a team puts it in
 * that team's queue (unassigned); naming only an agent keeps the team. A transfer that would leave
 * the conversation where it is is refused, so the log never records a move that did not happen.
 * What the request names is checked before the conversation's state.
 */
export function decideTransfer({ conversation, roster }: TransferState, request: TransferRequest): ConversationDecision<'conversation.transferred', TransferRefusal> {
  if (request.toAgent === undefined && request.toTeam === undefined) return refused({ code: 'bad_request', message: 'name toAgent, toTeam or both' });
  const toAgent = request.toAgent ?? null;
  const toTeam = request.toTeam ?? null;
  if (toTeam !== null && !teamNamed(roster, toTeam)) return refused({ code: 'unknown_team', message: `${toTeam} is not a team of this workspace` });
  const agent = toAgent === null ? undefined : agentNamed(roster, toAgent);
  if (toAgent !== null && !agent) return refused({ code: 'unknown_agent', message: `${toAgent} is not an agent of this workspace` });
  if (agent && toTeam !== null && !agent.teams.includes(toTeam)) {
    return refused({ code: 'agent_not_in_team', message: `${agent.id} is not in team ${toTeam} (their teams: ${agent.teams.join(', ')})` });
  }
  if (conversation.status === 'resolved') return refused({ code: 'conversation_resolved', message: 'the conversation is resolved: reopen it before transferring it' });
  const team = toTeam ?? conversation.team;
  if (toAgent === conversation.assignee && team === conversation.team) {
    const where = toAgent === null ? `unassigned in ${team ?? 'the untriaged queue'}` : `with ${toAgent}${team ? ` in team ${team}` : ''}`;
    return refused({ code: 'no_change', message: `the conversation is already ${where}: the transfer would change nothing` });
  }
  return accepted('conversation.transferred', { toAgent, toTeam, by: request.by, ...(request.reason ? { reason: request.reason } : {}) });
}

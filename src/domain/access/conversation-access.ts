/**
 * What an agent may see and act on: the conversations of their teams' queues and those assigned to
 * them, and the customers of those conversations. Decided from the projection the request read.
 */

export interface ConversationSeat {
  team: string | null;
  assignee: string | null;
}

/** The teams an agent belongs to, by the tenant's routing settings. */
export function teamsOf(roster: { agents: readonly { id: string; teams: readonly string[] }[] }, agent: string): readonly string[] {
  return roster.agents.find((a) => a.id === agent)?.teams ?? [];
}

export function agentMayHandle(conversation: ConversationSeat, agent: string | null, teams: readonly string[]): boolean {
  if (agent === null) return false;
  if (conversation.assignee === agent) return true;
  return conversation.team !== null && teams.includes(conversation.team);
}

/** What an agent-role person may reach: their agent and its teams. */
export interface AgentReach {
  agent: string | null;
  teams: readonly string[];
}

/**
 * The reach of a person limited to their own work (the agent role), or null for anyone who is not
 * (supervisors, admins, API keys): the one place the agent-bound rule is read from a principal.
 */
export function agentReach(bound: { agent: string | null } | null, roster: Parameters<typeof teamsOf>[0]): AgentReach | null {
  if (!bound) return null;
  return { agent: bound.agent, teams: bound.agent ? teamsOf(roster, bound.agent) : [] };
}

export const reaches = (reach: AgentReach, conversation: ConversationSeat): boolean => agentMayHandle(conversation, reach.agent, reach.teams);
